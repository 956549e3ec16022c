// The time-series models through the model commands: logistic (closed form), fc_transformer and
// brainmae (pretrain, then train --init), on a small synthetic cohort with a planted effect.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "brainenc/io/npy.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using brainenc::test::run_brainenc;

using brainenc::test::read_json;

namespace {

// 60 subjects x 64 time points x 8 regions. In patients (label 1) regions 0 and 1 share a slow
// latent signal (strong FC); in controls they are independent. Sites A (TR 2 s) and B (TR 2.5 s).
struct SeriesCohort {
  std::string dir, args;
};

SeriesCohort series_cohort() {
  SeriesCohort c;
  c.dir = brainenc::test::scratch_dir();
  fs::create_directories(c.dir + "/series");
  std::mt19937_64 rng(11);
  std::normal_distribution<double> normal;
  std::ofstream pheno(c.dir + "/phenotype.csv");
  pheno << "id,dx,site\n";
  for (int i = 0; i < 60; ++i) {
    const int y = i % 2;
    const std::string id = "s" + std::to_string(1000 + i);
    pheno << id << "," << y << "," << (i % 3 == 0 ? "B" : "A") << "\n";
    std::ofstream ts(c.dir + "/series/" + id + "_timeseries.tsv");
    ts << "r0\tr1\tr2\tr3\tr4\tr5\tr6\tr7\n";
    double latent = 0;
    for (int t = 0; t < 64; ++t) {
      latent = 0.7 * latent + normal(rng);
      for (int r = 0; r < 8; ++r) {
        const double shared = (y == 1 && r < 2) ? 1.5 * latent : 0.0;
        ts << (r ? "\t" : "") << shared + normal(rng);
      }
      ts << "\n";
    }
  }
  c.args = "--labels '" + c.dir + "/phenotype.csv' --series-dir '" + c.dir +
           "/series' --series-pattern '{id}_timeseries.tsv' --id-column id --label-column dx"
           " --positive-label 1 --site-column site --site-tr A=2,B=2.5 --repeats 2 --seed 3";
  return c;
}

void expect_rows_sum_to_one(const Eigen::MatrixXd& m, const std::string& what) {
  EXPECT_LT((m.rowwise().sum().array() - 1.0).abs().maxCoeff(), 1e-5) << what;
}

}  // namespace

TEST(ModelAdapters, LogisticFindsThePlantedConnectivity) {
  const SeriesCohort c = series_cohort();
  const auto r =
      run_brainenc("train -q --model logistic " + c.args + " --out-dir '" + c.dir + "/logistic'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto m = read_json(c.dir + "/logistic/metrics.json");
  EXPECT_GT(m["test"]["auroc"]["mean"].get<double>(), 0.9) << m.dump(1);
  EXPECT_TRUE(fs::exists(c.dir + "/logistic/split-1/checkpoint.pt"));
  // The closed-form checkpoint reads back: evaluate reproduces the training run's scores.
  const auto e =
      run_brainenc("evaluate -q --checkpoint '" + c.dir +
                   "/logistic/split-0/checkpoint.pt' --out-dir '" + c.dir + "/logistic-eval'");
  ASSERT_EQ(e.exit_code, 0) << e.err;
  std::ifstream a(c.dir + "/logistic/split-0/predictions.tsv"),
      b(c.dir + "/logistic-eval/predictions.tsv");
  std::string la, lb;
  std::getline(a, la);
  std::getline(b, lb);
  std::getline(a, la);
  std::getline(b, lb);
  EXPECT_EQ(la, lb);
}

TEST(ModelAdapters, FcTransformerTrainsAndWritesEverySplit) {
  const SeriesCohort c = series_cohort();
  const auto r = run_brainenc(
      "train -q --model fc_transformer --epochs 30 --batch-size 16 --lr 1e-3 " + c.args +
      " --fc_transformer.heads 2 --fc_transformer.clusters 4 --out-dir '" + c.dir + "/fct'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto m = read_json(c.dir + "/fct/metrics.json");
  ASSERT_EQ(m["splits"].size(), 2u);
  // The planted effect is strong: well above chance even in a few epochs.
  EXPECT_GT(m["test"]["auroc"]["mean"].get<double>(), 0.75) << m.dump(1);
}

TEST(ModelAdapters, BrainMaePretrainThenFineTune) {
  const SeriesCohort c = series_cohort();
  const std::string model =
      " --brainmae.d-model 32 --brainmae.heads 4 --brainmae.layers 1 --batch-size 16 ";
  const auto p = run_brainenc("pretrain --model brainmae --epochs 3" + model + c.args +
                              " --out-dir '" + c.dir + "/mae-pre'");
  ASSERT_EQ(p.exit_code, 0) << p.err;
  const auto pm = read_json(c.dir + "/mae-pre/metrics.json");
  EXPECT_TRUE(std::isfinite(pm["splits"][0]["final_train_loss"].get<double>()));
  const auto t = run_brainenc("train --model brainmae --epochs 3" + model + c.args + " --init '" +
                              c.dir + "/mae-pre' --out-dir '" + c.dir + "/mae'");
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_NE(t.err.find("initialised"), std::string::npos) << t.err;
  const auto m = read_json(c.dir + "/mae/metrics.json");
  EXPECT_TRUE(std::isfinite(m["test"]["auroc"]["mean"].get<double>()));
}

TEST(ModelAdapters, SeriesModelsNeedASeriesFolderAndKnownTr) {
  const SeriesCohort c = series_cohort();
  auto r = run_brainenc("train -q --model fc_transformer --labels '" + c.dir +
                        "/phenotype.csv' --id-column id "
                        "--label-column dx --out-dir '" +
                        c.dir + "/x'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--series-dir"), std::string::npos) << r.err;
  r = run_brainenc(
      "train --model brainmae --epochs 1 --labels '" + c.dir + "/phenotype.csv' --series-dir '" +
      c.dir +
      "/series' --series-pattern '{id}_timeseries.tsv' --id-column id --label-column dx "
      "--positive-label 1 --site-column site --site-tr A=2 --out-dir '" +
      c.dir + "/y'");
  // Site B has no TR: its subjects are reported and left out, the rest trains.
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("no repetition time for site 'B'"), std::string::npos) << r.err;
}

// Mixup changes what the FC transformer trains on (BNT's recipe, on by default); the paper's
// simple readout with pre-LN layers trains too; bad choices are usage errors.
TEST(ModelAdapters, FcTransformerMixupReadoutAndNormOptions) {
  const SeriesCohort c = series_cohort();
  const std::string base = "train -q --model fc_transformer --epochs 3 --batch-size 16 " + c.args +
                           " --fc_transformer.heads 2 --fc_transformer.clusters 4 ";
  auto r = run_brainenc(base + "--fc_transformer.mixup 0 --out-dir '" + c.dir + "/plain'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_brainenc(base + "--out-dir '" + c.dir + "/mixed'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto loss_of = [&](const std::string& run) {
    std::ifstream log(c.dir + "/" + run + "/split-0/log.jsonl");
    std::string first;
    std::getline(log, first);
    return nlohmann::json::parse(first)["train_loss"].get<double>();
  };
  EXPECT_NE(loss_of("plain"), loss_of("mixed"));
  r = run_brainenc(base + "--fc_transformer.readout simple --fc_transformer.norm pre --out-dir '" +
                   c.dir + "/simple'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const std::string bad : {"--fc_transformer.readout ocread", "--fc_transformer.norm mid",
                                "--fc_transformer.mixup -1", "--fc_transformer.head-dropout 1"}) {
    r = run_brainenc(base + bad + " --out-dir '" + c.dir + "/bad'");
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_NE(r.err.find(bad.substr(2, bad.find(' ') - 2)), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(c.dir + "/bad/metrics.json"));
  }
}

// predict --export-interpretation writes what each model learned; logistic has nothing to export
// and writes nothing, not even its predictions.
TEST(ModelAdapters, PredictExportsInterpretation) {
  const SeriesCohort c = series_cohort();
  const std::string subjects = " --labels '" + c.dir + "/phenotype.csv' --id-column id";
  auto r = run_brainenc("train -q --model fc_transformer --epochs 2 --batch-size 16 " + c.args +
                        " --fc_transformer.heads 2 --fc_transformer.clusters 4 --out-dir '" +
                        c.dir + "/fct'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_brainenc("predict -q --export-interpretation" + subjects + " --checkpoint '" + c.dir +
                   "/fct/split-0/checkpoint.pt' --out-dir '" + c.dir + "/fct-x'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto centres = brainenc::io::read_npy(c.dir + "/fct-x/cluster_centers.npy");
  EXPECT_EQ(centres.shape, (std::vector<int64_t>{4, 8}));
  const auto assignment = brainenc::io::read_npy(c.dir + "/fct-x/cluster_assignment.npy");
  ASSERT_EQ(assignment.shape, (std::vector<int64_t>{8, 4}));
  expect_rows_sum_to_one(assignment.matrix(), "cluster_assignment");  // a mean of such rows
  for (const char* layer : {"node_attention_layer0", "node_attention_layer1"}) {
    const auto a = brainenc::io::read_npy(c.dir + "/fct-x/" + layer + ".npy");
    ASSERT_EQ(a.shape, (std::vector<int64_t>{8, 8})) << layer;
    expect_rows_sum_to_one(a.matrix(), layer);
  }
  r = run_brainenc(
      "train -q --model brainmae --epochs 1 --brainmae.d-model 32 --brainmae.heads 4 "
      "--brainmae.layers 1 --batch-size 16 " +
      c.args + " --out-dir '" + c.dir + "/mae'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_brainenc("predict -q --export-interpretation" + subjects + " --checkpoint '" + c.dir +
                   "/mae/split-0/checkpoint.pt' --out-dir '" + c.dir + "/mae-x'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto graph = brainenc::io::read_npy(c.dir + "/mae-x/graph_attention.npy");
  ASSERT_EQ(graph.shape, (std::vector<int64_t>{8, 8}));
  expect_rows_sum_to_one(graph.matrix(), "graph_attention");
  EXPECT_EQ(graph.matrix().diagonal().cwiseAbs().maxCoeff(), 0.0);  // no self-loops
  EXPECT_EQ(brainenc::io::read_npy(c.dir + "/mae-x/roi_embeddings.npy").shape.at(0), 8);
  // Each subject's segment attention: site A has 64 points at TR 2 s (8 segments of 8), site B
  // 64 at 2.5 s, resampled to 2 s (63 x 2.5 s = 157.5 s: 79 points, 9 segments); NaN past a
  // subject's own segments.
  const auto counts = brainenc::io::read_npy(c.dir + "/mae-x/segment_counts.npy");
  ASSERT_EQ(counts.shape, (std::vector<int64_t>{60}));
  const auto seg = brainenc::io::read_npy(c.dir + "/mae-x/segment_attention_layer0.npy");
  ASSERT_EQ(seg.shape, (std::vector<int64_t>{60, 9, 9}));
  EXPECT_FALSE(fs::exists(c.dir + "/mae-x/segment_attention_layer1.npy"));  // one layer
  for (int i = 0; i < 60; ++i) {
    const int n = static_cast<int>(counts.data[size_t(i)]);
    ASSERT_EQ(n, i % 3 == 0 ? 9 : 8) << "subject " << i;
    for (int q = 0; q < 9; ++q) {
      double sum = 0;
      for (int k = 0; k < 9; ++k) {
        const double w = seg.data[size_t((i * 9 + q) * 9 + k)];
        if (q < n && k < n) {
          EXPECT_GT(w, 0.0) << i << " " << q << " " << k;
          sum += w;
        } else {
          EXPECT_TRUE(std::isnan(w)) << i << " " << q << " " << k;
        }
      }
      if (q < n) {
        EXPECT_NEAR(sum, 1.0, 1e-5) << "subject " << i << " segment " << q;
      }
    }
  }
  r = run_brainenc("train -q --model logistic " + c.args + " --out-dir '" + c.dir + "/lr'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_brainenc("predict -q --export-interpretation" + subjects + " --checkpoint '" + c.dir +
                   "/lr/split-0/checkpoint.pt' --out-dir '" + c.dir + "/lr-x'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("nothing to export"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(c.dir + "/lr-x/predictions.tsv"));
}
