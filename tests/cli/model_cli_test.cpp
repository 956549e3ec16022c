// The model commands end to end, through the brainenc executable and the module it opens
// (brainenc_model_commands.so): outputs, exit codes, help, the lazy loading of LibTorch.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "brainenc/io/table.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using brainenc::test::run_brainenc;

using brainenc::test::read_json;

using brainenc::test::read_text;

namespace {

// 60 subjects, two classes shifted along f1 and f2, sites A and B.
struct ToyCohort {
  std::string dir, features, labels, data;  // data: the data options for the command line
};

ToyCohort toy_cohort() {
  ToyCohort c;
  c.dir = brainenc::test::scratch_dir();
  c.features = c.dir + "/features.tsv";
  c.labels = c.dir + "/labels.tsv";
  std::mt19937_64 rng(5);
  std::normal_distribution<double> normal;
  std::ofstream f(c.features), l(c.labels);
  f << "subject\tf1\tf2\tf3\tf4\n";
  l << "subject\tlabel\tsite\n";
  for (int i = 0; i < 60; ++i) {
    const int y = i % 2;
    const std::string id = "sub" + std::to_string(100 + i);
    f << id;
    for (int k = 0; k < 4; ++k) f << "\t" << normal(rng) + (k < 2 ? 3.0 * y : 0.0);
    f << "\n";
    l << id << "\t" << y << "\t" << (i % 3 == 0 ? "A" : "B") << "\n";
  }
  c.data = "--features '" + c.features + "' --labels '" + c.labels +
           "' --id-column subject --label-column label --site-column site";
  return c;
}

std::vector<std::string> listing(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// run_brainenc with environment assignments (shell syntax) before the binary.
brainenc::test::CommandResult run_with_env(const std::string& env, const std::string& args) {
  const std::string dir = brainenc::test::scratch_dir();
  const std::string cmd =
      env + " '" + BRAINENC_BINARY + "' " + args + " >'" + dir + "/out' 2>'" + dir + "/err'";
  const int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128, read_text(dir + "/out"),
          read_text(dir + "/err")};
}

// brainenc in the background, as its own process (the shell exec's it), stdout and stderr to
// dir/out and dir/err: its pid.
pid_t start_brainenc(const std::string& args, const std::string& dir) {
  const std::string cmd = "exec '" + std::string(BRAINENC_BINARY) + "' " + args + " >'" + dir +
                          "/out' 2>'" + dir + "/err'";
  const pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

size_t line_count(const std::string& path) {
  std::ifstream in(path);
  size_t n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

const std::vector<std::string> kModelCommands = {"pretrain", "train", "evaluate", "predict"};

// Every test needs the model commands (skipped, saying why, without LibTorch).
class ModelCli : public brainenc::test::ModelCommandsTest {};

}  // namespace

TEST_F(ModelCli, HelpListsTheModelCommandsWithoutLoadingTorch) {
  // LD_DEBUG=libs makes the dynamic loader report every library it loads (on stderr).
  const auto r = run_brainenc("--help");
  ASSERT_EQ(r.exit_code, 0);
  for (const auto& name : kModelCommands)
    EXPECT_NE(r.out.find("  " + name + " "), std::string::npos) << name;
  const auto traced = run_with_env("LD_DEBUG=libs", "--help");
  EXPECT_EQ(traced.exit_code, 0);
  EXPECT_NE(traced.err.find("libstdc++"), std::string::npos) << "LD_DEBUG gave no trace";
  EXPECT_EQ(traced.err.find("libtorch"), std::string::npos);
  EXPECT_EQ(traced.err.find("brainenc_model_commands"), std::string::npos);
  // A model command opens the module, which brings LibTorch.
  const auto sub = run_with_env("LD_DEBUG=libs", "train --help");
  EXPECT_EQ(sub.exit_code, 0);
  EXPECT_NE(sub.err.find("brainenc_model_commands.so"), std::string::npos);
  EXPECT_NE(sub.err.find("libtorch"), std::string::npos);
}

TEST_F(ModelCli, EachModelCommandHasTheSummaryListedByHelp) {
  const auto overview = run_brainenc("--help").out;
  for (const auto& name : kModelCommands) {
    const auto r = run_brainenc(name + " --help");
    ASSERT_EQ(r.exit_code, 0) << name << ": " << r.err;
    const auto start = overview.find("  " + name + " ");
    ASSERT_NE(start, std::string::npos);
    std::string summary = overview.substr(start, overview.find('\n', start) - start);
    summary = summary.substr(summary.find_first_not_of(' ', 2 + name.size()));
    EXPECT_NE(r.out.find("\n" + summary + "\n"), std::string::npos)
        << name << " --help lacks '" << summary << "'";
    EXPECT_NE(r.out.find("--out-dir"), std::string::npos);
    EXPECT_NE(r.out.find("--device"), std::string::npos);
  }
  EXPECT_NE(run_brainenc("train --help").out.find("--mlp.hidden"), std::string::npos);
}

TEST_F(ModelCli, TrainWritesCheckpointMetricsPredictionsAndSplits) {
  const ToyCohort c = toy_cohort();
  const std::string out = c.dir + "/run";
  const auto r =
      run_brainenc("train -q --model mlp " + c.data +
                   " --epochs 40 --lr 0.01 --batch-size 16 --seed 3 " + "--out-dir '" + out + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;  // --quiet
  EXPECT_EQ(listing(out), (std::vector<std::string>{"metrics.json", "split-0", "splits.json"}));
  EXPECT_EQ(
      listing(out + "/split-0"),
      (std::vector<std::string>{"checkpoint.pt", "log.jsonl", "metrics.json", "predictions.tsv"}));

  const auto splits = read_json(out + "/splits.json");
  EXPECT_EQ(splits["protocol"], "stratified_shuffle");
  EXPECT_EQ(splits["splits"][0]["train"].size(), 42u);
  EXPECT_EQ(splits["splits"][0]["val"].size(), 6u);
  EXPECT_EQ(splits["splits"][0]["test"].size(), 12u);

  const auto metrics = read_json(out + "/metrics.json");
  const auto& test = metrics["splits"][0]["metrics"]["test"];
  EXPECT_EQ(test["n"], 12);
  EXPECT_EQ(test["positives"], 6);
  EXPECT_GT(test["auroc"].get<double>(), 0.9);
  EXPECT_DOUBLE_EQ(metrics["test"]["auroc"]["mean"].get<double>(), test["auroc"].get<double>());
  std::ifstream log(out + "/split-0/log.jsonl");
  std::string first;
  ASSERT_TRUE(std::getline(log, first));
  const auto epoch1 = nlohmann::json::parse(first);
  for (const char* key : {"epoch", "step", "lr", "train_loss", "val_auroc", "seconds"})
    EXPECT_TRUE(epoch1.contains(key)) << key << " missing in " << first;
  EXPECT_EQ(epoch1["epoch"], 1);
  EXPECT_EQ(epoch1["step"], 3);  // 42 training subjects in batches of 16

  const auto p = brainenc::io::read_text_table(out + "/split-0/predictions.tsv");
  EXPECT_EQ(p.columns, (std::vector<std::string>{"subject", "split", "score", "label"}));
  ASSERT_EQ(p.rows.size(), 60u);
  int tests = 0;
  for (const auto& row : p.rows) {
    const double score = std::stod(row[2]);
    EXPECT_GE(score, 0.0);
    EXPECT_LE(score, 1.0);
    tests += row[1] == "test";
    EXPECT_EQ(row[3], std::to_string((std::stoi(row[0].substr(3)) - 100) % 2)) << row[0];
  }
  EXPECT_EQ(tests, 12);
}

TEST_F(ModelCli, EvaluateAndPredictReproduceTheTrainingScores) {
  const ToyCohort c = toy_cohort();
  const std::string out = c.dir + "/run";
  ASSERT_EQ(run_brainenc("train -q " + c.data + " --epochs 5 --out-dir '" + out + "'").exit_code,
            0);
  const std::string ckpt = out + "/split-0/checkpoint.pt";

  const auto e =
      run_brainenc("evaluate -q --checkpoint '" + ckpt + "' --out-dir '" + c.dir + "/eval'");
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_EQ(read_text(c.dir + "/eval/predictions.tsv"),
            read_text(out + "/split-0/predictions.tsv"));
  const auto em = read_json(c.dir + "/eval/metrics.json");
  const auto tm = read_json(out + "/split-0/metrics.json");
  EXPECT_EQ(em["metrics"]["test"], tm["metrics"]["test"]);
  EXPECT_EQ(em["metrics"]["all"]["n"], 60);

  // predict needs no labels: same scores, label n/a.
  const auto p = run_brainenc("predict -q --checkpoint '" + ckpt + "' --features '" + c.features +
                              "' --out-dir '" + c.dir + "/pred'");
  ASSERT_EQ(p.exit_code, 0) << p.err;
  const auto a = brainenc::io::read_text_table(c.dir + "/pred/predictions.tsv");
  const auto b = brainenc::io::read_text_table(out + "/split-0/predictions.tsv");
  ASSERT_EQ(a.rows.size(), b.rows.size());
  for (size_t i = 0; i < a.rows.size(); ++i) {
    EXPECT_EQ(a.rows[i][0], b.rows[i][0]);
    EXPECT_EQ(a.rows[i][1], b.rows[i][1]);
    EXPECT_EQ(a.rows[i][2], b.rows[i][2]);
    EXPECT_EQ(a.rows[i][3], "n/a");
  }
}

TEST_F(ModelCli, PretrainThenFineTuneFromItsFolder) {
  const ToyCohort c = toy_cohort();
  const std::string pre = c.dir + "/pre";
  const auto r =
      run_brainenc("pretrain -q " + c.data + " --epochs 3 --repeats 2 --out-dir '" + pre + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::exists(pre + "/split-0/checkpoint.pt"));
  EXPECT_TRUE(fs::exists(pre + "/split-1/checkpoint.pt"));
  const auto pm = read_json(pre + "/metrics.json");
  EXPECT_EQ(pm["splits"].size(), 2u);
  EXPECT_GT(pm["splits"][0]["best_val_loss"].get<double>(), 0.0);

  const auto t = run_brainenc("train " + c.data + " --epochs 2 --init '" + pre + "' --splits '" +
                              pre + "/splits.json' --out-dir '" + c.dir + "/ft'");
  ASSERT_EQ(t.exit_code, 0) << t.err;
  // encoder.0.weight, encoder.0.bias, input_mean, input_scale of each split's own pretraining.
  EXPECT_NE(t.err.find("initialised 4 tensors from " + pre + "/split-0/checkpoint.pt"),
            std::string::npos)
      << t.err;
  EXPECT_NE(t.err.find("initialised 4 tensors from " + pre + "/split-1/checkpoint.pt"),
            std::string::npos)
      << t.err;
  EXPECT_EQ(read_json(c.dir + "/ft/metrics.json")["test"]["auroc"]["n"], 2);

  // Other splits would test on subjects the pretraining trained on.
  const auto leak = run_brainenc("train -q " + c.data + " --epochs 2 --seed 9 --init '" + pre +
                                 "' --out-dir '" + c.dir + "/leak'");
  EXPECT_EQ(leak.exit_code, 2);
  EXPECT_NE(leak.err.find("test part"), std::string::npos) << leak.err;
  EXPECT_FALSE(fs::exists(c.dir + "/leak"));  // refused before anything is written
}

TEST_F(ModelCli, ConfigFileTakesTheSameNames) {
  const ToyCohort c = toy_cohort();
  std::ofstream(c.dir + "/run.ini")
      << "epochs = 3\nbatch-size = 8\nlabel-column = label\n[mlp]\nhidden = 8,4\n";
  const auto r = run_brainenc(
      "train -q --config '" + c.dir + "/run.ini' --features '" + c.features + "' --labels '" +
      c.labels + "' --id-column subject --site-column '' --out-dir '" + c.dir + "/run'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto m = read_json(c.dir + "/run/metrics.json");
  EXPECT_EQ(m["splits"][0]["epochs"], 3);
  std::ifstream log(c.dir + "/run/split-0/log.jsonl");
  int lines = 0;
  for (std::string line; std::getline(log, line);) ++lines;
  EXPECT_EQ(lines, 3);
  // The model options reached the model: evaluate rebuilds 8-4 hidden layers from the checkpoint.
  EXPECT_EQ(run_brainenc("evaluate -q --checkpoint '" + c.dir +
                         "/run/split-0/checkpoint.pt' --out-dir '" + c.dir + "/eval'")
                .exit_code,
            0);
  const auto bad =
      run_brainenc("train -q --config '" + c.dir + "/missing.ini' " + c.data + " --out-dir x");
  EXPECT_EQ(bad.exit_code, 2);
}

TEST_F(ModelCli, UsageErrorsExitTwo) {
  const ToyCohort c = toy_cohort();
  const std::string out = " --out-dir '" + c.dir + "/o'";
  struct Case {
    std::string args, message;
  };
  const std::vector<Case> cases = {
      {"train -q " + c.data + " --epochs abc" + out, "epochs"},
      {"train -q " + c.data + " --no-such-option" + out, "no-such-option"},
      {"train -q " + c.data, "out-dir"},
      {"train -q " + c.data + " --model nosuch" + out, "'nosuch' is not a model"},
      {"train -q " + c.data + " --model brainmae" + out, "--series-dir is required for this model"},
      {"train -q " + c.data + " --device gpu" + out, "--device"},
      {"train -q " + c.data + " --lr=-1" + out, "--lr must be > 0"},
      {"train -q " + c.data + " --schedule zigzag" + out, "--schedule"},
      {"train -q " + c.data + " --val-metric f2" + out, "--val-metric"},
      {"train -q " + c.data + " --mlp.hidden 8,x" + out, "--mlp.hidden"},
      {"train -q --features '" + c.features + "'" + out, "--labels is required"},
      {"evaluate -q" + out, "checkpoint"},
  };
  for (const auto& k : cases) {
    const auto r = run_brainenc(k.args);
    EXPECT_EQ(r.exit_code, 2) << k.args << "\n" << r.err;
    EXPECT_NE(r.err.find(k.message), std::string::npos) << k.args << "\n" << r.err;
  }
  EXPECT_FALSE(fs::exists(c.dir + "/o"));  // a refused run writes nothing
}

TEST_F(ModelCli, DataErrorsExitOneNamingTheFile) {
  const ToyCohort c = toy_cohort();
  std::ofstream(c.dir + "/bad.tsv") << "subject\tf1\nsub100\t1.5\nsub101\tabc\n";
  auto r = run_brainenc(
      "train -q --features '" + c.dir + "/bad.tsv' --labels '" + c.labels +
      "' --id-column subject --label-column label --site-column site --out-dir '" + c.dir + "/o'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(c.dir + "/bad.tsv"), std::string::npos) << r.err;
  r = run_brainenc("train -q --features '" + c.dir + "/none.tsv' --labels '" + c.labels +
                   "' --id-column subject --label-column label --site-column site --out-dir '" +
                   c.dir + "/o'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(c.dir + "/none.tsv"), std::string::npos) << r.err;

  // A truncated checkpoint: exit 1 and the file named.
  ASSERT_EQ(
      run_brainenc("train -q " + c.data + " --epochs 1 --out-dir '" + c.dir + "/run'").exit_code,
      0);
  const std::string ckpt = c.dir + "/run/split-0/checkpoint.pt";
  fs::resize_file(ckpt, fs::file_size(ckpt) / 3);
  r = run_brainenc("evaluate -q --checkpoint '" + ckpt + "' --out-dir '" + c.dir + "/eval'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(ckpt + ": not a readable checkpoint (truncated or corrupt?)"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(c.dir + "/eval/metrics.json"));
}

TEST_F(ModelCli, ExistingResultsNeedForceAndResumeReproducesThem) {
  const ToyCohort c = toy_cohort();
  const std::string args = "train -q " + c.data + " --epochs 4 --out-dir '" + c.dir + "/run'";
  ASSERT_EQ(run_brainenc(args).exit_code, 0);
  const std::string first = read_text(c.dir + "/run/split-0/predictions.tsv");
  const auto again = run_brainenc(args);
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("--force"), std::string::npos) << again.err;
  ASSERT_EQ(run_brainenc(args + " --resume").exit_code, 0);  // finished: nothing to train
  EXPECT_EQ(read_text(c.dir + "/run/split-0/predictions.tsv"), first);
  const auto other = run_brainenc(args + " --resume --mlp.hidden 3");
  EXPECT_EQ(other.exit_code, 2);
  EXPECT_NE(other.err.find("another run"), std::string::npos) << other.err;
  ASSERT_EQ(run_brainenc(args + " --force").exit_code, 0);
  EXPECT_EQ(read_text(c.dir + "/run/split-0/predictions.tsv"), first);  // same seed, same result
}

TEST_F(ModelCli, SigtermStopsAfterTheEpochAndResumeFinishesTheSameRun) {
  const ToyCohort c = toy_cohort();
  const std::string args = "train " + c.data + " --epochs 2000 --checkpoint-every 1000 ";
  ASSERT_EQ(run_brainenc(args + "-q --out-dir '" + c.dir + "/whole'").exit_code, 0);
  const std::string run = c.dir + "/run";
  const pid_t pid = start_brainenc(args + "--out-dir '" + run + "'", c.dir);
  ASSERT_GT(pid, 0);
  // The log appears after the first epoch (~1 ms each here): the signal comes mid-training.
  const std::string log = run + "/split-0/log.jsonl";
  for (int i = 0; i < 6000 && !fs::exists(log); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_TRUE(fs::exists(log));
  kill(pid, SIGTERM);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "ended by the signal's default action";
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGTERM);
  const std::string err = read_text(c.dir + "/err");
  EXPECT_NE(err.find("interrupted by SIGTERM in " + run + "/split-0 after epoch"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("--resume continues the run"), std::string::npos) << err;
  // Stopped at an epoch boundary with its checkpoint (the interval alone would have written
  // none), the log up to that epoch, and no results.
  EXPECT_TRUE(fs::exists(run + "/split-0/checkpoint.pt"));
  const size_t logged = line_count(log);
  EXPECT_GE(logged, 1u);
  EXPECT_LT(logged, 2000u);
  EXPECT_FALSE(fs::exists(run + "/split-0/predictions.tsv"));
  EXPECT_FALSE(fs::exists(run + "/metrics.json"));
  // --resume trains the remaining epochs to exactly the uninterrupted run's result.
  const auto resumed = run_brainenc(args + "--resume --out-dir '" + run + "'");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("resuming from"), std::string::npos) << resumed.err;
  EXPECT_EQ(line_count(log), 2000u);
  EXPECT_EQ(read_text(run + "/split-0/predictions.tsv"),
            read_text(c.dir + "/whole/split-0/predictions.tsv"));
  EXPECT_EQ(read_json(run + "/metrics.json")["test"],
            read_json(c.dir + "/whole/metrics.json")["test"]);
}

TEST_F(ModelCli, MissingModuleIsReportedClearly) {
  const std::string empty = brainenc::test::scratch_dir();
  const auto r = run_with_env("BRAINENC_MODULE_DIR='" + empty + "'", "train --help");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("brainenc_model_commands.so was not found (looked for " + empty),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("BRAINENC_MODULE_DIR"), std::string::npos) << r.err;
  // The other commands never need it.
  EXPECT_EQ(run_with_env("BRAINENC_MODULE_DIR='" + empty + "'", "--help").exit_code, 0);
}

// --log-format csv: split-<k>/log.csv with a header row of the JSONL fields and the values of the
// same run logged as JSONL (a CPU run repeats exactly; only the timings differ).
TEST_F(ModelCli, LogFormatCsvHoldsTheJsonlRecords) {
  const ToyCohort c = toy_cohort();
  const std::string args = "train -q " + c.data + " --epochs 3 --seed 2 ";
  ASSERT_EQ(run_brainenc(args + "--out-dir '" + c.dir + "/jsonl'").exit_code, 0);
  const auto r = run_brainenc(args + "--log-format csv --out-dir '" + c.dir + "/csv'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(
      listing(c.dir + "/csv/split-0"),
      (std::vector<std::string>{"checkpoint.pt", "log.csv", "metrics.json", "predictions.tsv"}));
  const auto csv = brainenc::io::read_text_table(c.dir + "/csv/split-0/log.csv");
  EXPECT_EQ(csv.columns, (std::vector<std::string>{"epoch", "step", "lr", "train_loss", "val_auroc",
                                                   "seconds", "best"}));
  ASSERT_EQ(csv.rows.size(), 3u);
  std::ifstream jsonl(c.dir + "/jsonl/split-0/log.jsonl");
  for (size_t i = 0; i < 3; ++i) {
    std::string line;
    ASSERT_TRUE(std::getline(jsonl, line));
    const auto record = nlohmann::json::parse(line);
    EXPECT_EQ(record.size(), csv.columns.size()) << line;
    for (size_t k = 0; k < csv.columns.size(); ++k) {
      if (csv.columns[k] == "seconds") continue;
      EXPECT_EQ(nlohmann::json::parse(csv.rows[i][k]), record.at(csv.columns[k]))
          << "epoch " << i + 1 << ", " << csv.columns[k];
    }
  }
}

// --ensemble N: member m of split k is the model a run with --seed seed + m and the same splits
// trains (bit for bit on the CPU); the split's scores are the members' mean; evaluate and predict
// take the split folder and average the members again.
TEST_F(ModelCli, EnsembleAveragesTheRunsOfConsecutiveSeeds) {
  const ToyCohort c = toy_cohort();
  const std::string common = "train -q --model mlp " + c.data + " --epochs 6 --repeats 2 ";
  const std::string ens = c.dir + "/ens";
  const auto r = run_brainenc(common + "--seed 3 --ensemble 3 --out-dir '" + ens + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(listing(ens + "/split-1"),
            (std::vector<std::string>{"member-0", "member-1", "member-2", "metrics.json",
                                      "predictions.tsv"}));
  EXPECT_EQ(
      listing(ens + "/split-1/member-2"),
      (std::vector<std::string>{"checkpoint.pt", "log.jsonl", "metrics.json", "predictions.tsv"}));
  const auto seed4 = run_brainenc(common + "--seed 4 --splits '" + ens +
                                  "/splits.json' --out-dir '" + c.dir + "/seed4'");
  ASSERT_EQ(seed4.exit_code, 0) << seed4.err;
  const auto metrics = read_json(ens + "/metrics.json");
  EXPECT_EQ(metrics["ensemble"], 3);
  for (int k = 0; k < 2; ++k) {
    const std::string split = ens + "/split-" + std::to_string(k);
    EXPECT_EQ(read_text(split + "/member-1/predictions.tsv"),
              read_text(c.dir + "/seed4/split-" + std::to_string(k) + "/predictions.tsv"))
        << "split " << k;
    const auto mean = brainenc::io::read_text_table(split + "/predictions.tsv");
    std::vector<brainenc::io::TextTable> members;
    for (int m = 0; m < 3; ++m)
      members.push_back(brainenc::io::read_text_table(split + "/member-" + std::to_string(m) +
                                                      "/predictions.tsv"));
    ASSERT_EQ(mean.rows.size(), 60u);
    double spread = 0;
    for (size_t i = 0; i < mean.rows.size(); ++i) {
      double sum = 0;
      for (const auto& m : members) sum += std::stod(m.rows[i][2]);
      EXPECT_NEAR(std::stod(mean.rows[i][2]), sum / 3, 1e-9) << mean.rows[i][0];
      spread += std::abs(std::stod(members[0].rows[i][2]) - std::stod(members[2].rows[i][2]));
    }
    EXPECT_GT(spread, 1e-3) << "the members are the same model";
    const auto& s = metrics["splits"][k];
    ASSERT_EQ(s["members"].size(), 3u);
    EXPECT_EQ(s["members"][2]["seed"], 3 + k + 2);
    EXPECT_EQ(s["members"][1]["metrics"]["test"],
              read_json(c.dir + "/seed4/split-" + std::to_string(k) +
                        "/metrics.json")["metrics"]["test"]);
    EXPECT_EQ(s["metrics"]["test"]["n"], 12);
  }
  // evaluate on the split folder: the members' mean again, the same metrics.
  const auto e =
      run_brainenc("evaluate -q --checkpoint '" + ens + "/split-1' --out-dir '" + c.dir + "/eval'");
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_EQ(read_text(c.dir + "/eval/predictions.tsv"),
            read_text(ens + "/split-1/predictions.tsv"));
  const auto em = read_json(c.dir + "/eval/metrics.json");
  EXPECT_EQ(em["ensemble"], 3);
  EXPECT_EQ(em["metrics"]["test"], metrics["splits"][1]["metrics"]["test"]);
  // A finished ensemble resumes to the same result; interpretation needs one member.
  ASSERT_EQ(
      run_brainenc(common + "--seed 3 --ensemble 3 --resume --out-dir '" + ens + "'").exit_code, 0);
  EXPECT_EQ(read_text(c.dir + "/eval/predictions.tsv"),
            read_text(ens + "/split-1/predictions.tsv"));
  const auto x = run_brainenc("predict -q --export-interpretation --checkpoint '" + ens +
                              "/split-0' --out-dir '" + c.dir + "/x'");
  EXPECT_EQ(x.exit_code, 2);
  EXPECT_NE(x.err.find("member-<m>/checkpoint.pt"), std::string::npos) << x.err;
  EXPECT_FALSE(fs::exists(c.dir + "/x/predictions.tsv"));
}

TEST_F(ModelCli, EnsembleRefusesClosedFormModelsAndBadCounts) {
  const ToyCohort c = toy_cohort();
  for (const std::string bad : {"--model logistic --ensemble 2", "--ensemble 0"}) {
    const auto r = run_brainenc("train -q " + c.data + " " + bad + " --out-dir '" + c.dir + "/r'");
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_NE(r.err.find("--ensemble"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(c.dir + "/r")) << bad;
  }
  const auto empty =
      run_brainenc("evaluate -q --checkpoint '" + c.dir + "' --out-dir '" + c.dir + "/e'");
  EXPECT_EQ(empty.exit_code, 1);
  EXPECT_NE(empty.err.find("member-<m>/checkpoint.pt"), std::string::npos) << empty.err;
}
