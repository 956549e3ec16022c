#include "brainenc/models/checkpoint.hpp"

#include <filesystem>
#include <sstream>

#include "brainenc/io/atomic_file.hpp"
#include "brainenc/io/error.hpp"

namespace brainenc::models {
namespace {

constexpr const char* kFormatName = "brainenc-checkpoint";

std::string shape_string(const torch::Tensor& t) {
  std::ostringstream s;
  s << t.sizes();
  return s.str();
}

// torch's messages end with a C++ backtrace in 1.13; the first line says what went wrong.
std::string first_line(const std::string& message) { return message.substr(0, message.find('\n')); }

// Archive keys are attribute names of a TorchScript module: parameter names ("encoder.0.weight")
// are stored as t0, t1, ... with the names in the JSON metadata.
void write_tensors(torch::serialize::OutputArchive& archive, const NamedTensors& tensors,
                   nlohmann::json& names) {
  names = nlohmann::json::array();
  for (size_t i = 0; i < tensors.size(); ++i) {
    archive.write("t" + std::to_string(i), tensors[i].second.detach(), /*is_buffer=*/true);
    names.push_back(tensors[i].first);
  }
}

NamedTensors read_tensors(torch::serialize::InputArchive& archive, const nlohmann::json& names) {
  NamedTensors out;
  for (size_t i = 0; i < names.size(); ++i) {
    torch::Tensor t;
    archive.read("t" + std::to_string(i), t, /*is_buffer=*/true);
    out.emplace_back(names[i].get<std::string>(), t);
  }
  return out;
}

nlohmann::json state_json(const TrainingState& s) {
  return {{"epoch", s.epoch},
          {"step", s.step},
          {"best_epoch", s.best_epoch},
          {"best_metric", s.best_metric},  // NaN is written as null
          {"epochs_since_best", s.epochs_since_best},
          {"finished", s.finished},
          {"stopped_early", s.stopped_early},
          {"shuffle_rng", s.shuffle_rng},
          {"history", s.history}};
}

TrainingState state_from_json(const nlohmann::json& j) {
  TrainingState s;
  s.epoch = j.at("epoch").get<int64_t>();
  s.step = j.at("step").get<int64_t>();
  s.best_epoch = j.at("best_epoch").get<int64_t>();
  const auto& best = j.at("best_metric");
  s.best_metric = best.is_null() ? std::numeric_limits<double>::quiet_NaN() : best.get<double>();
  s.epochs_since_best = j.at("epochs_since_best").get<int64_t>();
  s.finished = j.at("finished").get<bool>();
  s.stopped_early = j.at("stopped_early").get<bool>();
  s.shuffle_rng = j.at("shuffle_rng").get<std::string>();
  s.history = j.at("history");
  return s;
}

}  // namespace

NamedTensors module_state(const torch::nn::Module& module) {
  NamedTensors out;
  for (const auto& p : module.named_parameters())
    out.emplace_back(p.key(), p.value().detach().clone());
  for (const auto& b : module.named_buffers())
    out.emplace_back(b.key(), b.value().detach().clone());
  return out;
}

void load_module_state(torch::nn::Module& module, const NamedTensors& state,
                       const std::string& source) {
  std::vector<std::pair<std::string, torch::Tensor>> targets;
  for (const auto& p : module.named_parameters()) targets.emplace_back(p.key(), p.value());
  for (const auto& b : module.named_buffers()) targets.emplace_back(b.key(), b.value());
  for (size_t i = 0; i < targets.size(); ++i) {
    const std::string& name = targets[i].first;
    if (i >= state.size() || state[i].first != name)
      throw DataError(
          source, "was saved from a different model: expected tensor '" + name + "' at position " +
                      std::to_string(i) + ", found " +
                      (i < state.size() ? "'" + state[i].first + "'" : std::string("nothing")));
    if (!state[i].second.sizes().equals(targets[i].second.sizes()))
      throw DataError(source, "tensor '" + name + "' has shape " + shape_string(state[i].second) +
                                  ", the model expects " + shape_string(targets[i].second));
  }
  if (state.size() != targets.size())
    throw DataError(source, "was saved from a different model: it holds " +
                                std::to_string(state.size()) + " tensors, the model has " +
                                std::to_string(targets.size()) + " (first extra: '" +
                                state[targets.size()].first + "')");
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < targets.size(); ++i) targets[i].second.copy_(state[i].second);
}

std::vector<std::string> load_matching_state(torch::nn::Module& module, const NamedTensors& state,
                                             const std::vector<std::string>& prefixes,
                                             const std::string& source) {
  auto wanted = [&](const std::string& name) {
    if (prefixes.empty()) return true;
    for (const auto& p : prefixes)
      if (name.compare(0, p.size(), p) == 0) return true;
    return false;
  };
  std::vector<std::string> copied;
  torch::NoGradGuard no_grad;
  auto copy_into = [&](const std::string& name, torch::Tensor target) {
    if (!wanted(name)) return;
    for (const auto& [saved_name, saved] : state) {
      if (saved_name != name || !saved.sizes().equals(target.sizes())) continue;
      target.copy_(saved);
      copied.push_back(name);
      return;
    }
  };
  for (const auto& p : module.named_parameters()) copy_into(p.key(), p.value());
  for (const auto& b : module.named_buffers()) copy_into(b.key(), b.value());
  if (copied.empty()) {
    std::string which;
    for (const auto& p : prefixes) which += (which.empty() ? "" : ", ") + p + "*";
    throw DataError(source, "holds no tensor that matches this model" +
                                (which.empty() ? std::string() : " among " + which) +
                                " (same name and shape)");
  }
  return copied;
}

void capture_generators(Checkpoint& checkpoint, int64_t cuda_device) {
  {
    auto gen = at::globalContext().defaultGenerator(torch::kCPU);
    std::lock_guard<std::mutex> lock(gen.mutex());
    checkpoint.cpu_generator = gen.get_state();
  }
  checkpoint.cuda_generators.clear();
  if (cuda_device >= 0) {
    auto gen = at::globalContext().defaultGenerator(
        torch::Device(torch::kCUDA, static_cast<int8_t>(cuda_device)));
    std::lock_guard<std::mutex> lock(gen.mutex());
    checkpoint.cuda_generators.emplace_back(cuda_device, gen.get_state());
  }
}

void restore_generators(const Checkpoint& checkpoint) {
  if (checkpoint.cpu_generator.defined()) {
    auto gen = at::globalContext().defaultGenerator(torch::kCPU);
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(checkpoint.cpu_generator.cpu());
  }
  for (const auto& [index, state] : checkpoint.cuda_generators) {
    auto gen = at::globalContext().defaultGenerator(
        torch::Device(torch::kCUDA, static_cast<int8_t>(index)));
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(state.cpu());
  }
}

void write_checkpoint(const std::string& path, const Checkpoint& checkpoint,
                      const torch::optim::Optimizer* optimizer) {
  torch::serialize::OutputArchive archive;
  nlohmann::json meta;
  meta["options"] = checkpoint.options;
  meta["state"] = state_json(checkpoint.state);

  torch::serialize::OutputArchive model;
  write_tensors(model, checkpoint.model, meta["model"]);
  archive.write("model", model);
  if (!checkpoint.best.empty()) {
    torch::serialize::OutputArchive best;
    write_tensors(best, checkpoint.best, meta["best"]);
    archive.write("best", best);
  }
  if (optimizer != nullptr) {
    torch::serialize::OutputArchive opt;
    optimizer->save(opt);
    archive.write("optimizer", opt);
  }
  torch::serialize::OutputArchive rng;
  if (checkpoint.cpu_generator.defined()) rng.write("cpu", checkpoint.cpu_generator, true);
  meta["cuda_generators"] = nlohmann::json::array();
  for (const auto& [index, state] : checkpoint.cuda_generators) {
    rng.write("cuda" + std::to_string(index), state, true);
    meta["cuda_generators"].push_back(index);
  }
  archive.write("rng", rng);

  archive.write("format", c10::IValue(std::string(kFormatName)));
  archive.write("format_version", c10::IValue(checkpoint.format_version));
  archive.write("meta", c10::IValue(meta.dump()));

  io::AtomicFile file(path);
  try {
    archive.save_to(file.temp_path());
  } catch (const c10::Error& e) {
    throw RuntimeError(path +
                       ": cannot write checkpoint: " + first_line(e.what_without_backtrace()));
  }
  file.commit();
}

Checkpoint read_checkpoint(const std::string& path, torch::optim::Optimizer* optimizer,
                           const torch::Device& device) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw DataError(path, "no such checkpoint file");
  Checkpoint c;
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path, device);
  } catch (const c10::Error& e) {
    throw DataError(path, "not a readable checkpoint (truncated or corrupt?): " +
                              first_line(e.what_without_backtrace()));
  }
  try {
    c10::IValue format, version, meta_text;
    if (!archive.try_read("format", format) || !format.isString() ||
        format.toStringRef() != kFormatName)
      throw DataError(path, "is a torch archive but not a brainenc checkpoint");
    archive.read("format_version", version);
    c.format_version = version.toInt();
    if (c.format_version != kCheckpointFormatVersion)
      throw DataError(path, "has checkpoint format version " + std::to_string(c.format_version) +
                                "; this brainenc reads version " +
                                std::to_string(kCheckpointFormatVersion));
    archive.read("meta", meta_text);
    const nlohmann::json meta = nlohmann::json::parse(meta_text.toStringRef());
    c.options = meta.at("options");
    c.state = state_from_json(meta.at("state"));

    torch::serialize::InputArchive model;
    archive.read("model", model);
    c.model = read_tensors(model, meta.at("model"));
    if (meta.contains("best")) {
      torch::serialize::InputArchive best;
      archive.read("best", best);
      c.best = read_tensors(best, meta.at("best"));
    }
    torch::serialize::InputArchive rng;
    archive.read("rng", rng);
    rng.try_read("cpu", c.cpu_generator, true);
    for (const auto& index : meta.at("cuda_generators")) {
      torch::Tensor state;
      rng.read("cuda" + std::to_string(index.get<int64_t>()), state, true);
      c.cuda_generators.emplace_back(index.get<int64_t>(), state.cpu());
    }
    if (c.cpu_generator.defined()) c.cpu_generator = c.cpu_generator.cpu();
    if (optimizer != nullptr) {
      torch::serialize::InputArchive opt;
      if (!archive.try_read("optimizer", opt))
        throw DataError(path, "holds no optimiser state (a final model?)");
      optimizer->load(opt);
    }
  } catch (const c10::Error& e) {
    throw DataError(path, "damaged checkpoint: " + first_line(e.what_without_backtrace()));
  } catch (const nlohmann::json::exception& e) {
    throw DataError(path, std::string("damaged checkpoint metadata: ") + e.what());
  }
  return c;
}

}  // namespace brainenc::models
