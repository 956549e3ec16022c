#include "brainenc/models/trainer.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>

#include "brainenc/io/atomic_file.hpp"
#include "brainenc/io/error.hpp"
#include "brainenc/models/compat.hpp"

namespace brainenc::models {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::string format_duration(double s) {
  const auto total = static_cast<long long>(std::llround(s));
  std::ostringstream out;
  if (total >= 3600)
    out << total / 3600 << "h" << std::setw(2) << std::setfill('0') << (total % 3600) / 60 << "m";
  else if (total >= 60)
    out << total / 60 << "m" << std::setw(2) << std::setfill('0') << total % 60 << "s";
  else
    out << std::fixed << std::setprecision(s < 10 ? 1 : 0) << s << "s";
  return out.str();
}

template <typename T>
std::string str(T v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

// splitmix64 (Steele et al. 2014): the training streams get a seed decorrelated from the one the
// caller used to initialise the weights.
uint64_t mix_seed(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Sets the module to eval (or train) mode for a scope and puts back what it was.
class ModeGuard {
 public:
  ModeGuard(torch::nn::Module& m, bool train) : m_(m), was_training_(m.is_training()) {
    m_.train(train);
  }
  ~ModeGuard() { m_.train(was_training_); }
  ModeGuard(const ModeGuard&) = delete;
  ModeGuard& operator=(const ModeGuard&) = delete;

 private:
  torch::nn::Module& m_;
  bool was_training_;
};

// The options that change the numbers a run produces: a resumed run must use the same.
nlohmann::json result_options(const TrainerOptions& o) {
  nlohmann::json j = to_json(o);
  for (const char* k : {"device", "progress", "log_path", "checkpoint_path", "checkpoint_seconds"})
    j.erase(k);
  return j;
}

double number_or_nan(const nlohmann::json& j, const std::string& key) {
  return j.contains(key) && j[key].is_number() ? j[key].get<double>()
                                               : std::numeric_limits<double>::quiet_NaN();
}

EpochRecord record_from_json(const nlohmann::json& j, const std::string& metric_name) {
  EpochRecord r;
  r.epoch = j.at("epoch").get<int64_t>();
  r.step = j.at("step").get<int64_t>();
  r.lr = number_or_nan(j, "lr");
  r.train_loss = number_or_nan(j, "train_loss");
  r.val_metric = number_or_nan(j, "val_" + metric_name);
  r.grad_norm = number_or_nan(j, "grad_norm");
  r.seconds = number_or_nan(j, "seconds");
  r.best = j.value("best", false);
  return r;
}

}  // namespace

double LrSchedule::at(int64_t step) const {
  if (warmup_steps > 0 && step < warmup_steps)
    return base_lr * static_cast<double>(step + 1) / static_cast<double>(warmup_steps);
  const int64_t t = step - warmup_steps;
  switch (kind) {
    case ScheduleKind::Cosine: {
      const double span = static_cast<double>(std::max<int64_t>(1, total_steps - warmup_steps));
      const double progress = std::min(1.0, static_cast<double>(t) / span);
      return base_lr *
             (min_lr_ratio + (1.0 - min_lr_ratio) * 0.5 * (1.0 + std::cos(M_PI * progress)));
    }
    case ScheduleKind::Step:
      return base_lr * std::pow(gamma, static_cast<double>(t / std::max<int64_t>(1, step_size)));
    case ScheduleKind::Constant:
      break;
  }
  return base_lr;
}

torch::Device parse_device(const std::string& name) {
  if (name == "cpu") return torch::Device(torch::kCPU);
  int64_t index = 0;
  if (name.rfind("cuda", 0) != 0 ||
      (name.size() > 4 &&
       (name[4] != ':' || name.size() == 5 ||
        name.find_first_not_of("0123456789", 5) != std::string::npos || name.size() > 7)))
    throw UsageError("--device: '" + name + "' is not cpu, cuda or cuda:N");
  if (name.size() > 5) index = std::stoll(name.substr(5));
  if (!torch::cuda::is_available())
    throw UsageError("--device " + name + ": CUDA is not available (LibTorch " + TORCH_VERSION +
#ifdef BRAINENC_HAVE_CUDA
                     ", no GPU visible)");
#else
                     " built without CUDA)");
#endif
  const int64_t count = static_cast<int64_t>(torch::cuda::device_count());
  if (index >= count)
    throw UsageError("--device " + name + ": only " + std::to_string(count) + " CUDA device(s)");
  return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
}

void seed_torch(uint64_t seed) { torch::manual_seed(seed); }

ValidationMetric validation_loss() {
  ValidationMetric m;
  m.name = "loss";
  m.maximize = false;
  m.compute = [](Trainer& t, const std::vector<int64_t>& samples) {
    return t.evaluate_loss(samples);
  };
  return m;
}

ValidationMetric validation_score(
    std::string name, bool maximize,
    std::function<double(const torch::Tensor& scores, const std::vector<int64_t>& samples)>
        metric) {
  ValidationMetric m;
  m.name = std::move(name);
  m.maximize = maximize;
  m.compute = [metric = std::move(metric)](Trainer& t, const std::vector<int64_t>& samples) {
    return metric(t.predict(samples), samples);
  };
  return m;
}

nlohmann::json to_json(const EpochRecord& r, const std::string& metric_name) {
  nlohmann::json j = {
      {"epoch", r.epoch}, {"step", r.step}, {"lr", r.lr}, {"train_loss", r.train_loss}};
  j["val_" + metric_name] = r.val_metric;  // null when there is no validation set
  if (std::isfinite(r.grad_norm)) j["grad_norm"] = r.grad_norm;
  j["seconds"] = r.seconds;
  j["best"] = r.best;
  return j;
}

std::string metrics_log_jsonl(const nlohmann::json& history) {
  std::string text;
  for (const auto& r : history) text += r.dump() + "\n";
  return text;
}

std::string metrics_log_csv(const nlohmann::json& history) {
  // The fields of the records in reading order; any other field after them, by name.
  const std::vector<std::string> order = {"epoch", "step",      "lr",      "train_loss",
                                          "val_",  "grad_norm", "seconds", "best"};
  auto rank = [&](const std::string& name) {
    for (size_t i = 0; i < order.size(); ++i)
      if (name == order[i] || (order[i] == "val_" && name.rfind("val_", 0) == 0)) return i;
    return order.size();
  };
  std::vector<std::string> columns;
  for (const auto& r : history)
    for (const auto& [name, value] : r.items())
      if (std::find(columns.begin(), columns.end(), name) == columns.end()) columns.push_back(name);
  std::stable_sort(columns.begin(), columns.end(),
                   [&](const std::string& a, const std::string& b) { return rank(a) < rank(b); });
  std::string text;
  for (size_t c = 0; c < columns.size(); ++c) text += (c ? "," : "") + columns[c];
  text += "\n";
  for (const auto& r : history) {
    for (size_t c = 0; c < columns.size(); ++c) {
      if (c) text += ',';
      if (!r.contains(columns[c])) continue;
      const nlohmann::json& v = r[columns[c]];
      // No validation set: null (NaN in memory), an empty cell.
      if (v.is_null() || (v.is_number_float() && !std::isfinite(v.get<double>()))) continue;
      text += v.dump();
    }
    text += "\n";
  }
  return text;
}

double gradient_norm(const std::vector<torch::Tensor>& parameters) {
  double sum = 0.0;
  for (const auto& p : parameters) {
    if (!p.grad().defined()) continue;
    const double n = p.grad().detach().to(torch::kFloat64).norm().item<double>();
    sum += n * n;
  }
  return std::sqrt(sum);
}

double clip_gradients(const std::vector<torch::Tensor>& parameters, double max_norm) {
  return torch::nn::utils::clip_grad_norm_(parameters, max_norm);
}

Trainer::Trainer(TrainingTask& task, TrainerOptions options, ValidationMetric metric,
                 nlohmann::json run_options)
    : task_(task),
      options_(std::move(options)),
      metric_(std::move(metric)),
      run_options_(std::move(run_options)),
      device_(parse_device(options_.device)),
      autocast_(device_.is_cuda() && options_.bf16_autocast) {
  check_trainer_options(options_);
  if (!metric_.compute)
    throw RuntimeError("Trainer: the validation metric '" + metric_.name + "' has no function");

  const auto& o = options_;
  task_.module().to(device_);
  optimizer_ = std::make_unique<torch::optim::AdamW>(task_.module().parameters(),
                                                     torch::optim::AdamWOptions(o.lr)
                                                         .betas(std::make_tuple(o.beta1, o.beta2))
                                                         .eps(o.adam_eps)
                                                         .weight_decay(o.weight_decay));
  shuffle_rng_.seed(o.seed);
}

nlohmann::json Trainer::stored_options() const {
  return {{"trainer", to_json(options_)}, {"run", run_options_}};
}

void Trainer::resume(const std::string& path) {
  Checkpoint c = read_checkpoint(path, optimizer_.get(), device_);
  if (!c.options.contains("trainer"))
    throw DataError(path, "damaged checkpoint: no trainer options");
  const nlohmann::json stored =
      result_options(trainer_options_from_json(c.options.at("trainer"), path));
  const nlohmann::json now = result_options(options_);
  std::string differences;
  for (const auto& [key, value] : now.items())
    if (!stored.contains(key) || stored[key] != value)
      differences += (differences.empty() ? "" : ", ") + key + " " +
                     (stored.contains(key) ? stored[key].dump() : "?") + " -> " + value.dump();
  if (!differences.empty())
    throw UsageError("cannot resume from " + path + " with other training options (" + differences +
                     ")");

  load_module_state(task_.module(), c.model, path);
  state_ = c.state;
  best_.clear();
  if (state_.best_epoch > 0) {
    best_ = c.best_weights();
    for (auto& [name, t] : best_) t = t.to(device_);
  }
  std::istringstream rng(state_.shuffle_rng);
  rng >> shuffle_rng_;
  if (rng.fail()) throw DataError(path, "damaged checkpoint: unreadable shuffling generator state");
  pending_generators_ = std::make_unique<Checkpoint>();
  pending_generators_->cpu_generator = c.cpu_generator;
  pending_generators_->cuda_generators = c.cuda_generators;
  resumed_ = true;
}

void Trainer::shuffle(std::vector<int64_t>& order) {
  // Fisher-Yates with our own draws: std::shuffle's sequence is implementation-defined, this one
  // is the same with every standard library (modulo bias < n / 2^64, negligible).
  for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[shuffle_rng_() % i]);
}

double Trainer::train_epoch(const std::vector<int64_t>& train, const LrSchedule& schedule,
                            int64_t epoch, double* lr, double* grad_norm) {
  std::vector<int64_t> order = train;
  shuffle(order);
  ModeGuard mode(task_.module(), true);
  const auto params = task_.module().parameters();
  const auto n = static_cast<int64_t>(order.size());
  const int64_t bs = options_.batch_size;
  const int64_t batches = options_.drop_last ? n / bs : (n + bs - 1) / bs;
  const bool live = options_.progress && ::isatty(STDERR_FILENO);
  auto loss_sum = torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat64).device(device_));
  int64_t seen = 0;
  double norm_sum = 0.0;
  const auto t0 = Clock::now();
  auto last_report = t0;
  for (int64_t b = 0; b < batches; ++b) {
    const int64_t start = b * bs, end = std::min(n, start + bs);
    const std::vector<int64_t> batch(order.begin() + start, order.begin() + end);
    *lr = schedule.at(state_.step);
    for (auto& group : optimizer_->param_groups())
      static_cast<torch::optim::AdamWOptions&>(group.options()).lr(*lr);
    optimizer_->zero_grad();
    torch::Tensor loss;
    {
      std::optional<AutocastGuard> autocast;
      if (autocast_) autocast.emplace(torch::kCUDA, torch::kBFloat16);
      loss = task_.loss(batch, device_);
    }
    if (loss.dim() != 0)
      throw RuntimeError("the task's loss is not a scalar (" + str(loss.sizes()) + ")");
    loss.backward();
    if (options_.clip_grad_norm > 0) norm_sum += clip_gradients(params, options_.clip_grad_norm);
    optimizer_->step();
    loss_sum += loss.detach().to(torch::kFloat64) * static_cast<double>(batch.size());
    seen += static_cast<int64_t>(batch.size());
    ++state_.step;
    if (live && seconds_since(last_report) >= 1.0) {
      last_report = Clock::now();
      const double elapsed = seconds_since(t0);
      std::cerr << "\r  epoch " << epoch << "/" << options_.epochs << "  step " << b + 1 << "/"
                << batches << "  loss " << std::setprecision(4)
                << loss_sum.item<double>() / static_cast<double>(seen) << "  epoch ETA "
                << format_duration(elapsed / static_cast<double>(b + 1) *
                                   static_cast<double>(batches - b - 1))
                << "   " << std::flush;
    }
  }
  if (live) std::cerr << "\r" << std::string(72, ' ') << "\r";
  if (options_.clip_grad_norm > 0 && batches > 0)
    *grad_norm = norm_sum / static_cast<double>(batches);
  const double mean = loss_sum.item<double>() / static_cast<double>(std::max<int64_t>(seen, 1));
  if (!std::isfinite(mean))
    throw RuntimeError("the training loss became " + str(mean) + " in epoch " +
                       std::to_string(epoch) + " (try a lower --lr or --clip-grad-norm)");
  return mean;
}

torch::Tensor predict_scores(TrainingTask& task, const std::vector<int64_t>& samples,
                             const torch::Device& device, int64_t batch_size, bool bf16_autocast) {
  if (samples.empty()) return torch::zeros({0});
  if (batch_size < 1)
    throw UsageError("--batch-size must be >= 1 (got " + std::to_string(batch_size) + ")");
  ModeGuard mode(task.module(), false);
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> parts;
  const auto n = static_cast<int64_t>(samples.size());
  for (int64_t start = 0; start < n; start += batch_size) {
    const std::vector<int64_t> batch(samples.begin() + start,
                                     samples.begin() + std::min(n, start + batch_size));
    std::optional<AutocastGuard> autocast;
    if (bf16_autocast && device.is_cuda()) autocast.emplace(torch::kCUDA, torch::kBFloat16);
    parts.push_back(task.scores(batch, device).to(torch::kCPU, torch::kFloat32));
  }
  return torch::cat(parts);
}

torch::Tensor Trainer::predict(const std::vector<int64_t>& samples) {
  return predict_scores(task_, samples, device_, options_.batch_size, autocast_);
}

double Trainer::evaluate_loss(const std::vector<int64_t>& samples) {
  if (samples.empty()) return std::numeric_limits<double>::quiet_NaN();
  ModeGuard mode(task_.module(), false);
  torch::NoGradGuard no_grad;
  double sum = 0.0;
  const auto n = static_cast<int64_t>(samples.size());
  for (int64_t start = 0; start < n; start += options_.batch_size) {
    const std::vector<int64_t> batch(samples.begin() + start,
                                     samples.begin() + std::min(n, start + options_.batch_size));
    std::optional<AutocastGuard> autocast;
    if (autocast_) autocast.emplace(torch::kCUDA, torch::kBFloat16);
    sum += task_.loss(batch, device_).to(torch::kFloat64).item<double>() *
           static_cast<double>(batch.size());
  }
  return sum / static_cast<double>(n);
}

void Trainer::save_checkpoint(const std::string& path) const {
  Checkpoint c;
  c.options = stored_options();
  c.state = state_;
  std::ostringstream rng;
  rng << shuffle_rng_;
  c.state.shuffle_rng = rng.str();
  c.model = module_state(task_.module());
  // The best weights are stored only while they differ from the current ones.
  if (state_.best_epoch > 0 && state_.best_epoch != state_.epoch && !state_.finished)
    c.best = best_;
  capture_generators(c, device_.is_cuda() ? device_.index() : -1);
  write_checkpoint(path, c, optimizer_.get());
}

void Trainer::write_log() const {
  if (options_.log_path.empty()) return;
  // Rewritten whole (atomically) from the history the checkpoint holds, so a killed and resumed
  // run ends with the same log as an uninterrupted one.
  const std::string& path = options_.log_path;
  const bool csv = path.size() >= 4 && path.compare(path.size() - 4, 4, ".csv") == 0;
  io::write_text_file(path,
                      csv ? metrics_log_csv(state_.history) : metrics_log_jsonl(state_.history));
}

void Trainer::report_epoch(const EpochRecord& r, bool validated, double elapsed,
                           int64_t epochs_left, int64_t epochs_run) const {
  if (!options_.progress) return;
  std::ostringstream line;
  line << "  epoch " << r.epoch << "/" << options_.epochs << "  train loss " << std::setprecision(4)
       << r.train_loss;
  if (validated) {
    line << "  val " << metric_.name << " " << r.val_metric;
    if (state_.best_epoch > 0)
      line << " (best " << state_.best_metric << " @" << state_.best_epoch << ")";
  }
  line << "  lr " << std::setprecision(3) << r.lr << "  " << format_duration(r.seconds);
  if (epochs_left > 0 && epochs_run > 0)
    line << "  ETA "
         << format_duration(elapsed / static_cast<double>(epochs_run) *
                            static_cast<double>(epochs_left));
  std::cerr << line.str() << "\n";
}

TrainResult Trainer::fit(const std::vector<int64_t>& train, const std::vector<int64_t>& val) {
  if (train.empty()) throw DataError("no training samples");
  const auto n = static_cast<int64_t>(train.size());
  const int64_t bs = options_.batch_size;
  const int64_t steps_per_epoch = options_.drop_last ? n / bs : (n + bs - 1) / bs;
  if (steps_per_epoch == 0)
    throw UsageError("--batch-size " + std::to_string(bs) +
                     " with --drop-last leaves no batch of the " + std::to_string(n) +
                     " training samples");
  LrSchedule schedule;
  schedule.kind = options_.schedule;
  schedule.base_lr = options_.lr;
  schedule.warmup_steps =
      std::llround(options_.warmup_epochs * static_cast<double>(steps_per_epoch));
  schedule.total_steps = options_.epochs * steps_per_epoch;
  schedule.min_lr_ratio = options_.min_lr_ratio;
  schedule.step_size = std::max<int64_t>(
      1, std::llround(options_.step_epochs * static_cast<double>(steps_per_epoch)));
  schedule.gamma = options_.gamma;

  if (resumed_) {
    if (pending_generators_) restore_generators(*pending_generators_);
    pending_generators_.reset();
  } else {
    seed_torch(mix_seed(options_.seed));
    shuffle_rng_.seed(options_.seed);
  }

  TrainResult result;
  const auto run_start = Clock::now();
  auto last_save = run_start, last_log = run_start;
  int64_t epochs_run = 0;
  bool interrupted = false;
  while (!state_.finished && !interrupted) {
    const int64_t epoch = state_.epoch + 1;
    const auto t0 = Clock::now();
    EpochRecord r;
    r.epoch = epoch;
    r.train_loss = train_epoch(train, schedule, epoch, &r.lr, &r.grad_norm);
    r.step = state_.step;
    if (!val.empty()) r.val_metric = metric_.compute(*this, val);

    const double best = state_.best_metric;
    const bool improved =
        val.empty() ||
        (std::isfinite(r.val_metric) &&
         (state_.best_epoch == 0 || (metric_.maximize ? r.val_metric > best + options_.min_delta
                                                      : r.val_metric < best - options_.min_delta)));
    state_.epoch = epoch;
    if (improved) {
      state_.best_epoch = epoch;
      state_.best_metric = r.val_metric;
      state_.epochs_since_best = 0;
      // Without validation the last epoch is the best: no copy needed.
      if (!val.empty()) best_ = module_state(task_.module());
      r.best = true;
    } else {
      ++state_.epochs_since_best;
    }
    const bool early =
        options_.patience > 0 && !val.empty() && state_.epochs_since_best >= options_.patience;
    if (epoch >= options_.epochs || early) {
      state_.finished = true;
      state_.stopped_early = early && epoch < options_.epochs;
      if (state_.best_epoch > 0 && state_.best_epoch != epoch)
        load_module_state(task_.module(), best_, "best weights");
    }
    r.seconds = seconds_since(t0);
    state_.history.push_back(to_json(r, metric_.name));
    ++epochs_run;
    report_epoch(r, !val.empty(), seconds_since(run_start),
                 state_.finished ? 0 : options_.epochs - epoch, epochs_run);
    if (on_epoch_end && !on_epoch_end(r) && !state_.finished) interrupted = true;
    const bool end = state_.finished || interrupted;
    const bool save = !options_.checkpoint_path.empty() &&
                      (end || seconds_since(last_save) >= options_.checkpoint_seconds);
    if (save) {
      save_checkpoint(options_.checkpoint_path);
      last_save = Clock::now();
    }
    // The log is rewritten whole, so not after every one of thousands of short epochs: with each
    // checkpoint, at the end, after the first epoch, and otherwise at most once a second.
    if (save || end || epochs_run == 1 || seconds_since(last_log) >= 1.0) {
      write_log();
      last_log = Clock::now();
    }
  }
  if (options_.progress && state_.finished && epochs_run > 0) {
    std::cerr << "  " << (state_.stopped_early ? "stopped early" : "done") << " after epoch "
              << state_.epoch;
    if (state_.best_epoch > 0 && !val.empty())
      std::cerr << "; best " << metric_.name << " " << state_.best_metric << " at epoch "
                << state_.best_epoch;
    std::cerr << "\n";
  }

  for (const auto& j : state_.history) result.history.push_back(record_from_json(j, metric_.name));
  result.best_epoch = val.empty() ? 0 : state_.best_epoch;
  result.best_metric = val.empty() ? std::numeric_limits<double>::quiet_NaN() : state_.best_metric;
  result.stopped_early = state_.stopped_early;
  result.interrupted = interrupted;
  return result;
}

}  // namespace brainenc::models
