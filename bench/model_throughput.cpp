// brainenc_model_throughput: training throughput of the issue-3 models at their default sizes.
//
// Workloads (one optimiser step each, dropout on, random inputs generated once on the device, so
// data loading is not part of the time):
//   brainmae_pretrain  BrainMAE::pretrain(x) loss (MAE, fresh mask draw per step), backward, AdamW
//   brainmae_finetune  cross-entropy of BrainMAE::forward(x), backward, AdamW (decoder unused)
//   fc_transformer     cross-entropy of FcTransformer::forward(fc), backward, AdamW
// at 200 ROIs (CC200), TR 2 s, T = 176 time points (22 segments of 8) for BrainMAE and [R, R]
// connectivity for the FC transformer, in fp32 and in bf16 autocast (the Trainer's CUDA mode:
// forward under models::AutocastGuard, backward and optimiser outside it).
//
// Timing: --warmup steps, then --repeats runs of --steps steps each; on CUDA the device is
// synchronised before and after each run (not inside it: no .item() per step). Reported: the
// median over the runs of time per step, samples/s = batch / that, and on CUDA the peak of the
// caching allocator's allocated bytes over the timed runs (the warm-up excluded).
//
// Model FLOPs (counted analytically from the options, not measured):
//   linear layer, n input rows, in -> out features:  2 n in out   (bias adds left out)
//   matmul [m, k] x [k, n]:                          2 m k n
//   pre-LN transformer block (transformer_block.cpp), batch B, sequence length S, width d,
//   feed-forward ff:  qkv 6 B S d^2 + out-projection 2 B S d^2 + feed-forward 4 B S d ff
//                     + attention scores Q K^T 2 B S^2 d + weights x V 2 B S^2 d
//   BrainMAE (R ROIs, segment length L, S segments, graph width G, d_model d, decoder width D,
//   4x feed-forward everywhere, n = B S R ROI-segment rows):
//     roi_in 2 n L G
//     per graph block: value + out 4 n G^2, feed-forward 16 n G^2, A x V 2 B S R^2 G,
//       + in pretraining A x visible 2 B S R^2 (the renormalisation)
//     to_token 2 B S (R G) d;  encoder layers x block(B, S, d, 4d)
//     pretraining: decoder embed 2 B S d D + decoder layers x block(B, S, D, 4D)
//                  + decoder out 2 B S D (R L)
//     fine-tuning: head 2 B d n_outputs
//   FcTransformer (R ROIs = tokens, node width d = R by default, K clusters):
//     layers x block(B, R, d, ff) [+ projection 2 B R R d when d_model > 0]
//     DEC readout (the default): bottleneck 2 B (R d c + c c + c R d), c = 32
//     OCRead: Z C^T 2 B R d K + assignment^T Z 2 B K R d; reduce 2 B K d r; MLP 2 B sum(in out)
//   One training step = 3 x forward (backward = 2 x forward: gradients of inputs and of weights),
//   the usual MFU convention (PaLM, Megatron). It slightly overcounts where an operand needs no
//   gradient (roi_in's input, BrainMAE's visibility mask, the FC transformer's frozen cluster
//   centres): < 1 % of a step.
//   Left out: layer norms, softmax, GELU/LeakyReLU, dropout, masking and other element-wise ops,
//   the [R, R] ROI-embedding graph weights (2 R^2 E per step, not per sample: 5 MFLOP), the mask
//   draw (argsort), the losses, positional encodings and the AdamW update.
// MFU = model FLOPs per step / step time / peak. Peaks (flags): bf16 989 TFLOP/s = H200 SXM spec
// sheet, dense tensor-core BF16; fp32 67 TFLOP/s = spec sheet FP32 (no tensor cores: LibTorch
// leaves TF32 off). "of ceiling" compares with the measured matmul ceiling on the same H200
// (../shared/device/README.md section 6): 802 TFLOP/s bf16, 51 TFLOP/s fp32 (8192^3). On the CPU
// there is no spec peak unless --peak-cpu is given; "of ceiling" then uses an fp32 (or bf16)
// matmul measured in this run.
#include <torch/torch.h>
#include <torch/version.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "brainenc/io/error.hpp"
#include "brainenc/models/brain_mae.hpp"
#include "brainenc/models/compat.hpp"
#include "brainenc/models/fc_transformer.hpp"
#include "brainenc/models/trainer.hpp"

// Peak GPU memory from the CUDA caching allocator (LibTorch with CUDA only; the stats struct
// moved namespaces across 2.x, so only auto and index 0 = StatType::AGGREGATE are used).
#ifdef BRAINENC_HAVE_CUDA
#if __has_include(<c10/cuda/CUDACachingAllocator.h>) && __has_include(<cuda_runtime_api.h>)
#include <c10/cuda/CUDACachingAllocator.h>
#define BRAINENC_BENCH_CUDA_MEMORY 1
#endif
#endif

namespace {

namespace models = brainenc::models;
using brainenc::UsageError;
using json = nlohmann::json;

// ---------------------------------------------------------------------------------------------
// Command line

struct Options {
  std::string device;  // "" = cuda when available, else cpu
  std::vector<int64_t> batches;
  int64_t steps = 0, repeats = 0, warmup = -1, threads = 0;
  std::string json_path;
  std::vector<std::string> workloads;
  std::vector<std::string> precisions;
  int64_t rois = 200;
  double tr = 2.0;
  int64_t time_points = 176;
  double peak_bf16 = 989.0, peak_fp32 = 67.0, peak_cpu = 0.0;
  double ceiling_bf16 = 802.0, ceiling_fp32 = 51.0;
  bool measure_ceiling = true;
  uint64_t seed = 0;
};

const char* kUsage =
    "usage: brainenc_model_throughput [options]\n"
    "  --device cpu|cuda[:N]     default: cuda when available, else cpu\n"
    "  --batch N[,N...]          batch size(s); default 64 on CUDA, 16 on the CPU\n"
    "  --steps N                 timed steps per repeat; default 20 (CUDA), 3 (CPU)\n"
    "  --repeats N               timed repeats, the median is reported; default 5 (CUDA), 3 (CPU)\n"
    "  --warmup N                untimed steps first; default 5 (CUDA), 1 (CPU)\n"
    "  --threads N               CPU intra-op threads (torch::set_num_threads); default: torch's\n"
    "  --json PATH               also write the results as JSON\n"
    "  --models LIST             brainmae (= brainmae_pretrain,brainmae_finetune), "
    "fc_transformer,\n"
    "                            brainmae_pretrain, brainmae_finetune; default "
    "brainmae,fc_transformer\n"
    "  --precision LIST          fp32,bf16 (bf16 = autocast); default fp32,bf16 on CUDA, fp32 on "
    "the CPU\n"
    "  --rois N --tr S --time-points T   input shape; default 200, 2, 176\n"
    "  --peak-bf16 T --peak-fp32 T       spec peaks for MFU, TFLOP/s; default 989 and 67 (H200)\n"
    "  --peak-cpu T              CPU peak for MFU, TFLOP/s; default none (MFU not reported)\n"
    "  --ceiling-bf16 T --ceiling-fp32 T measured CUDA matmul ceilings; default 802 and 51\n"
    "  --no-measure-ceiling      skip this run's own matmul ceiling measurement\n"
    "  --seed N                  default 0\n";

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

int64_t parse_int(const std::string& flag, const std::string& value, int64_t min) {
  size_t used = 0;
  int64_t v = 0;
  try {
    v = std::stoll(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != value.size() || v < min)
    throw UsageError(flag + ": '" + value + "' is not an integer >= " + std::to_string(min));
  return v;
}

double parse_double(const std::string& flag, const std::string& value) {
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != value.size() || !(v >= 0))
    throw UsageError(flag + ": '" + value + "' is not a number >= 0");
  return v;
}

Options parse_options(int argc, char** argv) {
  Options o;
  std::string models_list = "brainmae,fc_transformer", precision_list, batch_list;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::cout << kUsage;
      std::exit(0);
    }
    if (flag == "--no-measure-ceiling") {
      o.measure_ceiling = false;
      continue;
    }
    if (i + 1 >= argc) throw UsageError(flag + ": needs a value (or unknown option)\n" + kUsage);
    const std::string v = argv[++i];
    if (flag == "--device") {
      o.device = v;
    } else if (flag == "--batch") {
      batch_list = v;
    } else if (flag == "--steps") {
      o.steps = parse_int(flag, v, 1);
    } else if (flag == "--repeats") {
      o.repeats = parse_int(flag, v, 1);
    } else if (flag == "--warmup") {
      o.warmup = parse_int(flag, v, 0);
    } else if (flag == "--threads") {
      o.threads = parse_int(flag, v, 1);
    } else if (flag == "--json") {
      o.json_path = v;
    } else if (flag == "--models") {
      models_list = v;
    } else if (flag == "--precision") {
      precision_list = v;
    } else if (flag == "--rois") {
      o.rois = parse_int(flag, v, 2);
    } else if (flag == "--tr") {
      o.tr = parse_double(flag, v);
    } else if (flag == "--time-points") {
      o.time_points = parse_int(flag, v, 1);
    } else if (flag == "--peak-bf16") {
      o.peak_bf16 = parse_double(flag, v);
    } else if (flag == "--peak-fp32") {
      o.peak_fp32 = parse_double(flag, v);
    } else if (flag == "--peak-cpu") {
      o.peak_cpu = parse_double(flag, v);
    } else if (flag == "--ceiling-bf16") {
      o.ceiling_bf16 = parse_double(flag, v);
    } else if (flag == "--ceiling-fp32") {
      o.ceiling_fp32 = parse_double(flag, v);
    } else if (flag == "--seed") {
      o.seed = static_cast<uint64_t>(parse_int(flag, v, 0));
    } else {
      throw UsageError("unknown option " + flag + "\n" + kUsage);
    }
  }
  if (o.device.empty()) o.device = torch::cuda::is_available() ? "cuda" : "cpu";
  const bool cuda = o.device.rfind("cuda", 0) == 0;
  if (batch_list.empty()) batch_list = cuda ? "64" : "16";
  for (const auto& b : split_list(batch_list)) o.batches.push_back(parse_int("--batch", b, 1));
  if (o.batches.empty()) throw UsageError("--batch: no batch size");
  if (o.steps == 0) o.steps = cuda ? 20 : 3;
  if (o.repeats == 0) o.repeats = cuda ? 5 : 3;
  if (o.warmup < 0) o.warmup = cuda ? 5 : 1;
  for (const auto& m : split_list(models_list)) {
    if (m == "brainmae") {
      o.workloads.push_back("brainmae_pretrain");
      o.workloads.push_back("brainmae_finetune");
    } else if (m == "brainmae_pretrain" || m == "brainmae_finetune" || m == "fc_transformer") {
      o.workloads.push_back(m);
    } else {
      throw UsageError("--models: unknown model '" + m +
                       "' (brainmae, brainmae_pretrain, brainmae_finetune, fc_transformer)");
    }
  }
  if (o.workloads.empty()) throw UsageError("--models: no model");
  o.precisions =
      split_list(precision_list.empty() ? (cuda ? "fp32,bf16" : "fp32") : precision_list);
  for (const auto& p : o.precisions)
    if (p != "fp32" && p != "bf16")
      throw UsageError("--precision: '" + p + "' is not fp32 or bf16");
  if (o.precisions.empty()) throw UsageError("--precision: no precision");
  if (!(o.tr > 0)) throw UsageError("--tr must be > 0");
  return o;
}

// ---------------------------------------------------------------------------------------------
// Model FLOPs (see the header comment)

double linear_flops(double rows, double in, double out) { return 2.0 * rows * in * out; }

double block_flops(double batch, double length, double d, double ff) {
  const double n = batch * length;
  return linear_flops(n, d, 3 * d) + linear_flops(n, d, d) + linear_flops(n, d, ff) +
         linear_flops(n, ff, d) + 4.0 * batch * length * length * d;
}

// Forward FLOPs of BrainMAE for a batch of b samples of s segments.
double brainmae_forward_flops(const models::BrainMAEOptions& o, int64_t segment_length, double b,
                              double s, bool pretrain) {
  const double r = static_cast<double>(o.n_rois()), l = static_cast<double>(segment_length),
               g = static_cast<double>(o.graph_dim()), d = static_cast<double>(o.d_model()),
               dd = static_cast<double>(o.decoder_dim());
  const double n = b * s * r;
  double f = linear_flops(n, l, g);
  const double graph_block = linear_flops(n, g, g) * 2 + linear_flops(n, g, 4 * g) +
                             linear_flops(n, 4 * g, g) + 2.0 * b * s * r * r * g +
                             (pretrain ? 2.0 * b * s * r * r : 0.0);
  f += static_cast<double>(o.graph_blocks()) * graph_block;
  f += linear_flops(b * s, r * g, d);
  f += static_cast<double>(o.encoder_layers()) * block_flops(b, s, d, 4 * d);
  if (pretrain) {
    f += linear_flops(b * s, d, dd);
    f += static_cast<double>(o.decoder_layers()) * block_flops(b, s, dd, 4 * dd);
    f += linear_flops(b * s, dd, r * l);
  } else {
    f += linear_flops(b, d, static_cast<double>(o.n_outputs()));
  }
  return f;
}

double fc_transformer_forward_flops(const models::FcTransformerOptions& o, int64_t node_dim,
                                    double b) {
  const double r = static_cast<double>(o.n_rois()), d = static_cast<double>(node_dim),
               k = static_cast<double>(o.n_clusters());
  double f = 0;
  if (o.d_model() > 0) f += linear_flops(b * r, r, d);
  f += static_cast<double>(o.layers()) * block_flops(b, r, d, static_cast<double>(o.ff_dim()));
  if (o.readout() == models::Readout::Dec) {  // bottleneck R*d -> c -> c -> R*d
    const double c = static_cast<double>(o.bottleneck());
    f += linear_flops(b, r * d, c) + linear_flops(b, c, c) + linear_flops(b, c, r * d);
  }
  f += 2.0 * b * r * d * k + 2.0 * b * k * r * d;
  f += linear_flops(b * k, d, static_cast<double>(o.reduced_dim()));
  double width = k * static_cast<double>(o.reduced_dim());
  for (const int64_t h : o.mlp_hidden()) {
    f += linear_flops(b, width, static_cast<double>(h));
    width = static_cast<double>(h);
  }
  return f + linear_flops(b, width, static_cast<double>(o.n_outputs()));
}

// The weights of the linear layers the formulas above assume (2-D parameters named *weight),
// compared with the model's so that a change of architecture cannot go unnoticed.
int64_t linear_weights(torch::nn::Module& m) {
  int64_t n = 0;
  for (const auto& p : m.named_parameters(true)) {
    const std::string& key = p.key();
    if (p.value().dim() == 2 && key.size() >= 6 && key.compare(key.size() - 6, 6, "weight") == 0)
      n += p.value().numel();
  }
  return n;
}

int64_t brainmae_expected_weights(const models::BrainMAEOptions& o, int64_t l) {
  const int64_t r = o.n_rois(), g = o.graph_dim(), d = o.d_model(), dd = o.decoder_dim();
  return l * g + o.graph_blocks() * 10 * g * g + r * g * d + o.encoder_layers() * 12 * d * d +
         d * dd + o.decoder_layers() * 12 * dd * dd + dd * r * l + d * o.n_outputs();
}

int64_t fc_transformer_expected_weights(const models::FcTransformerOptions& o, int64_t d) {
  int64_t n = o.d_model() > 0 ? o.n_rois() * d : 0;
  n += o.layers() * (4 * d * d + 2 * d * o.ff_dim());
  if (o.readout() == models::Readout::Dec)
    n += 2 * o.n_rois() * d * o.bottleneck() + o.bottleneck() * o.bottleneck();
  n += d * o.reduced_dim();
  int64_t width = o.n_clusters() * o.reduced_dim();
  for (const int64_t h : o.mlp_hidden()) {
    n += width * h;
    width = h;
  }
  return n + width * o.n_outputs();
}

// ---------------------------------------------------------------------------------------------
// Timing

void synchronize(const torch::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.index());
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

bool have_memory_stats(const torch::Device& device) {
#ifdef BRAINENC_BENCH_CUDA_MEMORY
  return device.is_cuda();
#else
  (void)device;
  return false;
#endif
}

void reset_peak_memory(const torch::Device& device) {
#ifdef BRAINENC_BENCH_CUDA_MEMORY
  if (device.is_cuda())
    c10::cuda::CUDACachingAllocator::resetPeakStats(static_cast<c10::DeviceIndex>(device.index()));
#else
  (void)device;
#endif
}

// Peak allocated and reserved bytes since the last reset; -1 when unknown.
std::pair<int64_t, int64_t> peak_memory(const torch::Device& device) {
#ifdef BRAINENC_BENCH_CUDA_MEMORY
  if (device.is_cuda()) {
    const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(
        static_cast<c10::DeviceIndex>(device.index()));
    return {static_cast<int64_t>(stats.allocated_bytes[0].peak),
            static_cast<int64_t>(stats.reserved_bytes[0].peak)};
  }
#else
  (void)device;
#endif
  return {-1, -1};
}

struct Measurement {
  std::vector<double> step_seconds;  // per repeat: mean time per step
  double first_loss = 0, last_loss = 0;
  int64_t peak_allocated = -1, peak_reserved = -1;
};

Measurement measure(const std::function<torch::Tensor()>& step, const torch::Device& device,
                    const Options& o) {
  Measurement m;
  torch::Tensor loss;
  for (int64_t i = 0; i < o.warmup; ++i) {
    loss = step();
    if (i == 0) m.first_loss = loss.item<double>();
  }
  synchronize(device);
  reset_peak_memory(device);
  for (int64_t r = 0; r < o.repeats; ++r) {
    synchronize(device);
    const auto t0 = std::chrono::steady_clock::now();
    for (int64_t i = 0; i < o.steps; ++i) loss = step();
    synchronize(device);
    m.step_seconds.push_back(seconds_since(t0) / static_cast<double>(o.steps));
  }
  std::tie(m.peak_allocated, m.peak_reserved) = peak_memory(device);
  m.last_loss = loss.item<double>();
  if (o.warmup == 0) m.first_loss = std::nan("");
  return m;
}

// TFLOP/s of an n x n x n matmul in `dtype` on `device`: the fastest of `reps` timed products.
double matmul_tflops(const torch::Device& device, torch::ScalarType dtype, int64_t n, int reps) {
  torch::NoGradGuard no_grad;
  const auto opts = torch::TensorOptions().dtype(dtype).device(device);
  const auto a = torch::randn({n, n}, opts), b = torch::randn({n, n}, opts);
  for (int i = 0; i < 2; ++i) (void)torch::mm(a, b);
  double best = std::numeric_limits<double>::infinity();
  for (int i = 0; i < reps; ++i) {
    synchronize(device);
    const auto t0 = std::chrono::steady_clock::now();
    (void)torch::mm(a, b);
    synchronize(device);
    best = std::min(best, seconds_since(t0));
  }
  return 2.0 * static_cast<double>(n) * n * n / best / 1e12;
}

// ---------------------------------------------------------------------------------------------
// Workloads

struct Result {
  std::string workload, precision;
  int64_t batch = 0;
  int64_t parameters = 0, trainable = 0;
  double forward_flops_per_sample = 0;  // model FLOPs of one forward pass
  bool flop_formula_matches = true;
  std::string error;  // the first line of the exception when the workload failed
  Measurement m;
  double seconds_per_step() const { return median(m.step_seconds); }
  double train_flops_per_step() const {
    return 3.0 * forward_flops_per_sample * static_cast<double>(batch);
  }
  double tflops() const { return train_flops_per_step() / seconds_per_step() / 1e12; }
};

std::pair<int64_t, int64_t> count_parameters(torch::nn::Module& m) {
  int64_t all = 0, trainable = 0;
  for (const auto& p : m.parameters(true)) {
    all += p.numel();
    if (p.requires_grad()) trainable += p.numel();
  }
  return {all, trainable};
}

Result run_workload(const std::string& workload, const std::string& precision, int64_t batch,
                    const torch::Device& device, const Options& o) {
  Result res;
  res.workload = workload;
  res.precision = precision;
  res.batch = batch;
  const bool bf16 = precision == "bf16";
  const c10::DeviceType autocast_device = device.type();
  models::seed_torch(o.seed);
  const auto float_opts = torch::TensorOptions().dtype(torch::kFloat32).device(device);
  const auto labels =
      torch::randint(0, 2, {batch}, torch::TensorOptions().dtype(torch::kLong)).to(device);
  std::function<torch::Tensor()> step;
  std::shared_ptr<torch::nn::Module> module;
  std::unique_ptr<torch::optim::AdamW> optimizer;
  const auto adamw = torch::optim::AdamWOptions(1e-4).weight_decay(1e-2);
  uint64_t mask_seed = o.seed;

  if (workload == "brainmae_pretrain" || workload == "brainmae_finetune") {
    const bool pretrain = workload == "brainmae_pretrain";
    models::BrainMAEOptions mo(o.rois, o.tr);
    models::BrainMAE model(mo);
    const int64_t l = model->segment_length();
    const int64_t segments = o.time_points / l;
    if (segments < 1)
      throw UsageError("--time-points " + std::to_string(o.time_points) +
                       " is shorter than one BrainMAE segment (" + std::to_string(l) + ")");
    res.forward_flops_per_sample =
        brainmae_forward_flops(mo, l, 1.0, static_cast<double>(segments), pretrain);
    res.flop_formula_matches = linear_weights(*model) == brainmae_expected_weights(mo, l);
    model->to(device);
    model->train();
    optimizer = std::make_unique<torch::optim::AdamW>(model->parameters(), adamw);
    const auto x = torch::randn({batch, o.time_points, o.rois}, float_opts);
    module = model.ptr();
    step = [model, x, labels, pretrain, bf16, autocast_device, &optimizer, &mask_seed]() mutable {
      optimizer->zero_grad();
      torch::Tensor loss;
      {
        std::optional<models::AutocastGuard> autocast;
        if (bf16) autocast.emplace(autocast_device, torch::kBFloat16);
        if (pretrain)
          loss = model->pretrain(x, mask_seed++).loss;
        else
          loss =
              torch::nn::functional::cross_entropy(model->forward(x).to(torch::kFloat32), labels);
      }
      loss.backward();
      optimizer->step();
      return loss.detach();
    };
  } else {
    models::FcTransformerOptions fo(o.rois);
    models::FcTransformer model(fo);
    res.forward_flops_per_sample = fc_transformer_forward_flops(fo, model->node_dim(), 1.0);
    res.flop_formula_matches =
        linear_weights(*model) == fc_transformer_expected_weights(fo, model->node_dim());
    model->to(device);
    model->train();
    optimizer = std::make_unique<torch::optim::AdamW>(model->parameters(), adamw);
    // Correlation-like values; symmetry does not matter for the cost.
    const auto fc = torch::tanh(torch::randn({batch, o.rois, o.rois}, float_opts));
    module = model.ptr();
    step = [model, fc, labels, bf16, autocast_device, &optimizer]() mutable {
      optimizer->zero_grad();
      torch::Tensor loss;
      {
        std::optional<models::AutocastGuard> autocast;
        if (bf16) autocast.emplace(autocast_device, torch::kBFloat16);
        loss = torch::nn::functional::cross_entropy(model->forward(fc).to(torch::kFloat32), labels);
      }
      loss.backward();
      optimizer->step();
      return loss.detach();
    };
  }
  std::tie(res.parameters, res.trainable) = count_parameters(*module);
  res.m = measure(step, device, o);
  return res;
}

// ---------------------------------------------------------------------------------------------
// Output

std::string fixed(double v, int digits) {
  if (!std::isfinite(v)) return "–";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string percent(double v) { return std::isfinite(v) ? fixed(100.0 * v, 2) + " %" : "–"; }

struct Peaks {
  double peak = NAN;     // spec peak for MFU, TFLOP/s
  double ceiling = NAN;  // measured matmul ceiling, TFLOP/s
};

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options o = parse_options(argc, argv);
    if (o.threads > 0) torch::set_num_threads(static_cast<int>(o.threads));
    const torch::Device device = models::parse_device(o.device);
    std::string command = "brainenc_model_throughput";
    for (int i = 1; i < argc; ++i) command += std::string(" ") + argv[i];

    // This run's matmul ceilings (CUDA 8192^3, CPU 2048^3 fp32 / 1024^3 bf16).
    json measured = json::object();
    if (o.measure_ceiling) {
      for (const auto& p : o.precisions) {
        const bool bf16 = p == "bf16";
        const int64_t n = device.is_cuda() ? 8192 : (bf16 ? 1024 : 2048);
        const int reps = device.is_cuda() ? (bf16 ? 20 : 5) : 3;
        measured[p] = matmul_tflops(device, bf16 ? torch::kBFloat16 : torch::kFloat32, n, reps);
      }
    }
    auto peaks_for = [&](const std::string& p) {
      Peaks k;
      if (device.is_cuda()) {
        k.peak = p == "bf16" ? o.peak_bf16 : o.peak_fp32;
        k.ceiling = p == "bf16" ? o.ceiling_bf16 : o.ceiling_fp32;
      } else {
        if (o.peak_cpu > 0) k.peak = o.peak_cpu;
        if (measured.contains(p)) k.ceiling = measured[p].get<double>();
      }
      return k;
    };

    std::printf("# brainenc model throughput\n\n");
    std::printf("- command: `%s`\n", command.c_str());
    std::printf("- LibTorch %s, device %s, %d CPU threads%s\n", TORCH_VERSION, device.str().c_str(),
                torch::get_num_threads(),
                have_memory_stats(device) ? ", CUDA allocator stats on" : "");
    const models::BrainMAE probe(models::BrainMAEOptions(o.rois, o.tr));
    const int64_t l = probe->segment_length();
    std::printf(
        "- input: %lld ROIs, TR %g s, T = %lld (BrainMAE: %lld segments of %lld), FC [%lld, "
        "%lld]\n",
        static_cast<long long>(o.rois), o.tr, static_cast<long long>(o.time_points),
        static_cast<long long>(o.time_points / l), static_cast<long long>(l),
        static_cast<long long>(o.rois), static_cast<long long>(o.rois));
    std::printf("- timing: %lld warm-up steps, then median of %lld repeats x %lld steps\n",
                static_cast<long long>(o.warmup), static_cast<long long>(o.repeats),
                static_cast<long long>(o.steps));
    if (device.is_cuda()) {
      std::printf(
          "- MFU vs spec peak: bf16 %g TFLOP/s (H200 SXM spec sheet, dense), fp32 %g TFLOP/s "
          "(spec FP32, TF32 off)\n",
          o.peak_bf16, o.peak_fp32);
      std::printf(
          "- of ceiling: vs measured matmul ceiling bf16 %g, fp32 %g TFLOP/s "
          "(../shared/device/README.md sec. 6)\n",
          o.ceiling_bf16, o.ceiling_fp32);
    } else {
      if (o.peak_cpu > 0)
        std::printf("- MFU vs CPU peak %g TFLOP/s (--peak-cpu)\n", o.peak_cpu);
      else
        std::printf("- MFU: no CPU peak given (--peak-cpu)\n");
      std::printf("- of ceiling: vs this run's matmul ceiling\n");
    }
    for (const auto& item : measured.items())
      std::printf("- this run's matmul ceiling %s: %.3f TFLOP/s\n", item.key().c_str(),
                  item.value().get<double>());
    std::printf(
        "- model FLOPs = 3 x forward matmul FLOPs (formulas in bench/model_throughput.cpp)\n\n");
    std::fflush(stdout);

    std::printf(
        "| workload | precision | batch | ms/step | samples/s | GFLOP/sample | TFLOP/s | MFU | of "
        "ceiling | peak mem (GiB) | loss first → last |\n");
    std::printf("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
    // Rows are printed as they are measured, so that a run cut short keeps what it has.
    json rows = json::array();
    bool formulas_ok = true;
    auto emit = [&](const Result& r) {
      if (!r.error.empty()) {
        std::printf("| %s | %s | %lld | failed: %s | | | | | | | |\n", r.workload.c_str(),
                    r.precision == "bf16" ? "bf16 autocast" : "fp32",
                    static_cast<long long>(r.batch), r.error.c_str());
        rows.push_back({{"workload", r.workload},
                        {"precision", r.precision},
                        {"batch", r.batch},
                        {"error", r.error}});
        return;
      }
      const Peaks k = peaks_for(r.precision);
      const double s = r.seconds_per_step(), tf = r.tflops();
      const double mfu = tf / k.peak, of_ceiling = tf / k.ceiling;
      const double gib = r.m.peak_allocated >= 0
                             ? static_cast<double>(r.m.peak_allocated) / (1024.0 * 1024 * 1024)
                             : NAN;
      formulas_ok = formulas_ok && r.flop_formula_matches;
      std::printf(
          "| %s | %s | %lld | %s | %s | %s | %s | %s | %s | %s | %s → %s |\n", r.workload.c_str(),
          r.precision == "bf16" ? "bf16 autocast" : "fp32", static_cast<long long>(r.batch),
          fixed(1e3 * s, 2).c_str(), fixed(static_cast<double>(r.batch) / s, 1).c_str(),
          fixed(3.0 * r.forward_flops_per_sample / 1e9, 3).c_str(),
          fixed(tf, tf < 1 ? 3 : 2).c_str(), percent(mfu).c_str(), percent(of_ceiling).c_str(),
          fixed(gib, 2).c_str(), fixed(r.m.first_loss, 4).c_str(), fixed(r.m.last_loss, 4).c_str());
      json row = {{"workload", r.workload},
                  {"precision", r.precision},
                  {"batch", r.batch},
                  {"parameters", r.parameters},
                  {"trainable_parameters", r.trainable},
                  {"seconds_per_step_median", s},
                  {"seconds_per_step_repeats", r.m.step_seconds},
                  {"samples_per_second", static_cast<double>(r.batch) / s},
                  {"forward_flops_per_sample", r.forward_flops_per_sample},
                  {"train_flops_per_step", r.train_flops_per_step()},
                  {"tflops", tf},
                  {"flop_formula_matches_model", r.flop_formula_matches},
                  {"first_loss", std::isfinite(r.m.first_loss) ? json(r.m.first_loss) : json()},
                  {"last_loss", std::isfinite(r.m.last_loss) ? json(r.m.last_loss) : json()}};
      row["peak_tflops"] = std::isfinite(k.peak) ? json(k.peak) : json();
      row["mfu"] = std::isfinite(mfu) ? json(mfu) : json();
      row["ceiling_tflops"] = std::isfinite(k.ceiling) ? json(k.ceiling) : json();
      row["fraction_of_ceiling"] = std::isfinite(of_ceiling) ? json(of_ceiling) : json();
      row["peak_allocated_bytes"] = r.m.peak_allocated >= 0 ? json(r.m.peak_allocated) : json();
      row["peak_reserved_bytes"] = r.m.peak_reserved >= 0 ? json(r.m.peak_reserved) : json();
      rows.push_back(row);
      std::fflush(stdout);
    };

    std::vector<Result> results;
    for (const int64_t batch : o.batches)
      for (const auto& w : o.workloads)
        for (const auto& p : o.precisions) {
          std::fprintf(stderr, "running %s %s batch %lld...\n", w.c_str(), p.c_str(),
                       static_cast<long long>(batch));
          Result r;
          try {
            r = run_workload(w, p, batch, device, o);
          } catch (const std::exception& e) {
            // One failing combination (an op without a kernel for a dtype, out of memory) must
            // not cost the others of a one-shot GPU run.
            r = Result();
            r.workload = w;
            r.precision = p;
            r.batch = batch;
            const std::string what = e.what();
            r.error = what.substr(0, what.find('\n'));
            std::fprintf(stderr, "  failed: %s\n", r.error.c_str());
          }
          emit(r);
          results.push_back(std::move(r));
        }

    if (!formulas_ok)
      std::printf(
          "\nWARNING: a model's linear layers differ from what the FLOP formulas assume "
          "(flop_formula_matches_model = false): update bench/model_throughput.cpp.\n");
    std::fflush(stdout);

    if (!o.json_path.empty()) {
      json out = {{"command", command},
                  {"torch_version", TORCH_VERSION},
                  {"device", device.str()},
                  {"cpu_threads", torch::get_num_threads()},
                  {"cuda_memory_stats", have_memory_stats(device)},
                  {"rois", o.rois},
                  {"tr_seconds", o.tr},
                  {"time_points", o.time_points},
                  {"brainmae_segment_length", l},
                  {"brainmae_segments", o.time_points / l},
                  {"warmup_steps", o.warmup},
                  {"repeats", o.repeats},
                  {"steps_per_repeat", o.steps},
                  {"matmul_ceiling_this_run_tflops", measured},
                  {"flop_convention",
                   "3 x forward matmul FLOPs (2 m k n each); layer norm, softmax, element-wise "
                   "ops, losses and the optimiser left out"},
                  {"results", rows}};
      if (device.is_cuda())
        out["peaks_tflops"] = {{"bf16_spec", o.peak_bf16},
                               {"fp32_spec", o.peak_fp32},
                               {"bf16_measured_ceiling", o.ceiling_bf16},
                               {"fp32_measured_ceiling", o.ceiling_fp32}};
      else
        out["peaks_tflops"] = {{"cpu_spec", o.peak_cpu > 0 ? json(o.peak_cpu) : json()}};
      std::ofstream f(o.json_path);
      f << out.dump(2) << "\n";
      if (!f) throw brainenc::RuntimeError("cannot write " + o.json_path);
    }
    const bool any_failed = std::any_of(results.begin(), results.end(),
                                        [](const Result& r) { return !r.error.empty(); });
    return any_failed ? 1 : 0;
  } catch (const brainenc::Error& e) {
    std::fprintf(stderr, "brainenc_model_throughput: %s\n", e.what());
    return e.exit_code();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "brainenc_model_throughput: %s\n", e.what());
    return 1;
  }
}
