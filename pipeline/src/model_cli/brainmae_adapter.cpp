// --model brainmae: BrainMAE (models/brain_mae.hpp) on region time series (--series-dir).
// Every subject is resampled to one TR (--brainmae.tr; sites differ: ABIDE's run 1.5-3 s) by
// linear interpolation, each region z-scored over the subject's time points (a constant region
// stays 0), and the batch zero-padded to the longest subject with per-subject lengths, so that
// padded segments are masked out of attention and pooling. pretrain: masked autoencoding;
// train: the classification head (or, --task regression, a head with one output) on the encoder
// (--init copies a pretraining's encoder).
#include <ATen/CPUGeneratorImpl.h>

#include "brainenc/io/error.hpp"
#include "brainenc/models/brain_mae.hpp"
#include "brainenc/models/mlp.hpp"
#include "brainenc/models/regression_task.hpp"
#include "brainenc/models/trainer.hpp"
#include "model_registry.hpp"
#include "series_data.hpp"

namespace brainenc::pipeline {
namespace {

models::BrainMAEOptions brainmae_options(int64_t regions, const nlohmann::json& o) {
  models::BrainMAEOptions b(regions, o.at("tr").get<double>());
  b.d_model(o.at("d_model").get<int64_t>())
      .heads(o.at("heads").get<int64_t>())
      .encoder_layers(o.at("layers").get<int64_t>())
      .dropout(o.at("dropout").get<double>())
      .max_mask_ratio(o.at("max_mask_ratio").get<double>());
  return b;
}

// Shared by both tasks: the padded series and the lengths of a batch on the device.
struct Batch {
  torch::Tensor x, lengths;
};
Batch gather(const torch::Tensor& series, const torch::Tensor& lengths,
             const std::vector<int64_t>& batch, const torch::Device& device) {
  const auto len = models::gather_rows(lengths, batch, torch::kCPU);
  const int64_t t = len.max().item<int64_t>();  // trim the batch to its longest subject
  return {models::gather_rows(series, batch, torch::kCPU).narrow(1, 0, t).to(device),
          len.to(device)};
}

class PretrainTask : public models::TrainingTask {
 public:
  PretrainTask(models::BrainMAE model, torch::Tensor series, torch::Tensor lengths)
      : model_(std::move(model)), series_(std::move(series)), lengths_(std::move(lengths)) {}
  torch::nn::Module& module() override { return *model_; }
  torch::Tensor loss(const std::vector<int64_t>& batch, const torch::Device& device) override {
    const Batch b = gather(series_, lengths_, batch, device);
    // torch's default CPU generator: the Trainer's checkpoints capture it, so a resumed run
    // draws the same masks.
    return model_->pretrain(b.x, at::detail::getDefaultCPUGenerator(), b.lengths).loss;
  }
  // Per-subject masked-reconstruction loss is not defined per sample; report the encoder's
  // pooled token norm so that `predict` on a pretraining checkpoint is refused elsewhere.
  torch::Tensor scores(const std::vector<int64_t>& batch, const torch::Device& device) override {
    const Batch b = gather(series_, lengths_, batch, device);
    return model_->encode(b.x, b.lengths).to(torch::kFloat32).norm(2, {1, 2});
  }

 private:
  models::BrainMAE model_;
  torch::Tensor series_, lengths_;
};

class ClassifyTask : public models::TrainingTask {
 public:
  ClassifyTask(models::BrainMAE model, torch::Tensor series, torch::Tensor lengths,
               torch::Tensor labels)
      : model_(std::move(model)),
        series_(std::move(series)),
        lengths_(std::move(lengths)),
        labels_(std::move(labels)) {}
  torch::nn::Module& module() override { return *model_; }
  torch::Tensor loss(const std::vector<int64_t>& batch, const torch::Device& device) override {
    const Batch b = gather(series_, lengths_, batch, device);
    const auto logits = model_->forward(b.x, b.lengths).to(torch::kFloat32);
    return torch::nn::functional::cross_entropy(logits,
                                                models::gather_rows(labels_, batch, device));
  }
  torch::Tensor scores(const std::vector<int64_t>& batch, const torch::Device& device) override {
    const Batch b = gather(series_, lengths_, batch, device);
    return torch::softmax(model_->forward(b.x, b.lengths).to(torch::kFloat32), 1).select(1, 1);
  }

 private:
  models::BrainMAE model_;
  torch::Tensor series_, lengths_, labels_;
};

// The head with one output on the pooled tokens predicts the standardised target.
class RegressTask : public models::RegressionTask {
 public:
  RegressTask(models::BrainMAE model, torch::Tensor series, torch::Tensor lengths,
              torch::Tensor targets, const std::vector<int64_t>& train)
      : RegressionTask(model.ptr(), std::move(targets), train),
        model_(std::move(model)),
        series_(std::move(series)),
        lengths_(std::move(lengths)) {}

 protected:
  torch::Tensor output(const std::vector<int64_t>& batch, const torch::Device& device) override {
    const Batch b = gather(series_, lengths_, batch, device);
    return model_->forward(b.x, b.lengths);
  }

 private:
  models::BrainMAE model_;
  torch::Tensor series_, lengths_;
};

class BrainMaeData : public ModelData {
 public:
  BrainMaeData(models::Cohort cohort, const DataOptions& d, const nlohmann::json& options)
      : cohort_(std::move(cohort)), options_(options) {
    const double tr = options_.at("tr").get<double>();
    const std::vector<double> trs = subject_trs(cohort_, d);  // drops subjects without a TR
    std::vector<Eigen::MatrixXd> series;
    int64_t t_max = 0;
    for (size_t i = 0; i < cohort_.subjects.size(); ++i) {
      Eigen::MatrixXd x = resample_series(cohort_.subjects[i].series, trs[i], tr);
      const Eigen::RowVectorXd mean = x.colwise().mean();
      x.rowwise() -= mean;
      const Eigen::RowVectorXd sd =
          (x.array().square().colwise().sum() / double(std::max<Eigen::Index>(1, x.rows()))).sqrt();
      for (Eigen::Index j = 0; j < x.cols(); ++j)
        x.col(j) = sd[j] > 1e-12 ? (x.col(j) / sd[j]).eval() : Eigen::VectorXd::Zero(x.rows());
      t_max = std::max<int64_t>(t_max, x.rows());
      series.push_back(std::move(x));
    }
    const int64_t n = int64_t(series.size()), r = cohort_.regions();
    series_ = torch::zeros({n, t_max, r}, torch::kFloat32);
    std::vector<int64_t> lengths, labels;
    for (int64_t i = 0; i < n; ++i) {
      const auto& x = series[size_t(i)];
      Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> f = x.cast<float>();
      series_[i]
          .narrow(0, 0, x.rows())
          .copy_(torch::from_blob(f.data(), {x.rows(), x.cols()}, torch::kFloat32));
      lengths.push_back(x.rows());
      labels.push_back(cohort_.subjects[size_t(i)].label == 1 ? 1 : 0);
    }
    lengths_ = torch::tensor(lengths, torch::kLong);
    labels_ = torch::tensor(labels, torch::kLong);
    const int64_t segment = models::BrainMAE(brainmae_options(r, options_))->segment_length();
    if (torch::min(lengths_).item<int64_t>() < segment)
      throw DataError(d.series_dir, "a subject has fewer than one " + std::to_string(segment) +
                                        "-sample segment after resampling to TR " + io_number(tr) +
                                        " s");
  }
  const models::Cohort& cohort() const override { return cohort_; }
  std::unique_ptr<models::TrainingTask> classification_task(const std::vector<int64_t>&) override {
    return std::make_unique<ClassifyTask>(
        models::BrainMAE(brainmae_options(cohort_.regions(), options_)), series_, lengths_,
        labels_);
  }
  std::unique_ptr<models::TrainingTask> regression_task(
      const std::vector<int64_t>& train) override {
    return std::make_unique<RegressTask>(
        models::BrainMAE(brainmae_options(cohort_.regions(), options_).n_outputs(1)), series_,
        lengths_, torch::tensor(cohort_.targets(), torch::kFloat64), train);
  }
  std::unique_ptr<models::TrainingTask> pretraining_task(const std::vector<int64_t>&) override {
    return std::make_unique<PretrainTask>(
        models::BrainMAE(brainmae_options(cohort_.regions(), options_)), series_, lengths_);
  }
  // Everything but the MAE decoder and the classification head.
  std::vector<std::string> pretrained_prefixes() const override {
    std::vector<std::string> prefixes;
    models::BrainMAE m(brainmae_options(cohort_.regions(), options_));
    for (const auto& p : m->named_parameters(/*recurse=*/true)) {
      const std::string& name = p.key();
      if (name.rfind(models::BrainMAEImpl::kDecoderPrefix, 0) == 0 ||
          name.rfind(models::BrainMAEImpl::kHeadPrefix, 0) == 0)
        continue;
      prefixes.push_back(name);
    }
    return prefixes;
  }

 private:
  static std::string io_number(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
  }
  models::Cohort cohort_;
  nlohmann::json options_;
  torch::Tensor series_, lengths_, labels_;
};

}  // namespace

ModelAdapter brainmae_adapter() {
  ModelAdapter a;
  a.name = "brainmae";
  a.summary = "BrainMAE on --series-dir series: masked-autoencoder pretraining, then fine-tuning";
  a.declare = [](po::options_description& o) {
    const models::BrainMAEOptions d(1, 2.0);
    o.add_options()("brainmae.tr", po::value<double>()->default_value(2.0, "2"),
                    "every subject is resampled to this TR (s); segments are 15 s")(
        "brainmae.d-model", po::value<int64_t>()->default_value(d.d_model()), "token size")(
        "brainmae.heads", po::value<int64_t>()->default_value(d.heads()), "attention heads")(
        "brainmae.layers", po::value<int64_t>()->default_value(d.encoder_layers()),
        "encoder layers")("brainmae.dropout",
                          po::value<double>()->default_value(d.dropout(), "0.1"), "dropout")(
        "brainmae.max-mask-ratio", po::value<double>()->default_value(d.max_mask_ratio(), "0.8"),
        "pretraining: each sample masks a fraction ~ U(0, this) of its ROIs per segment");
  };
  a.options_json = [](const po::variables_map& vm) {
    const double tr = vm["brainmae.tr"].as<double>();
    if (!(tr > 0)) throw UsageError("--brainmae.tr must be > 0 s");
    const double dropout = vm["brainmae.dropout"].as<double>();
    if (!(dropout >= 0.0 && dropout < 1.0))
      throw UsageError("--brainmae.dropout must be in [0, 1)");
    const double ratio = vm["brainmae.max-mask-ratio"].as<double>();
    if (!(ratio > 0.0 && ratio < 1.0))
      throw UsageError("--brainmae.max-mask-ratio must be in (0, 1)");
    const int64_t d_model = vm["brainmae.d-model"].as<int64_t>(),
                  heads = vm["brainmae.heads"].as<int64_t>();
    if (heads < 1 || d_model < heads || d_model % heads != 0)
      throw UsageError("--brainmae.d-model must be a positive multiple of --brainmae.heads");
    return nlohmann::json{{"tr", tr},           {"d_model", d_model},
                          {"heads", heads},     {"layers", vm["brainmae.layers"].as<int64_t>()},
                          {"dropout", dropout}, {"max_mask_ratio", ratio}};
  };
  a.open = [](const DataOptions& d, const nlohmann::json& options,
              bool need_labels) -> std::unique_ptr<ModelData> {
    return std::make_unique<BrainMaeData>(load_series_cohort(d, need_labels), d, options);
  };
  return a;
}

}  // namespace brainenc::pipeline
