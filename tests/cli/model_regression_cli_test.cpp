// train / evaluate / predict --task regression --target COLUMN through the brainenc executable:
// a planted linear effect on a numeric phenotype column, the metrics (MAE, Pearson r), the
// predictions, the checkpoint round trip, subjects without a target, and the refusals.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iomanip>
#include <random>
#include <sstream>

#include "brainenc/io/table.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using brainenc::test::run_brainenc;

using brainenc::test::read_json;

using brainenc::test::read_text;

namespace {

// 80 subjects with 4 features; age = 40 + 6 f1 - 4 f2 + N(0, 1) (the other features are noise).
// Sites A (every fourth subject) and B. With `unknown_ages`, sub100 has no age, sub101 'abc'
// and sub102 'n/a'.
struct AgeCohort {
  std::string dir, features, labels, data;  // data: the data options for the command line
  std::vector<double> ages;
};

AgeCohort age_cohort(bool unknown_ages = false) {
  AgeCohort c;
  c.dir = brainenc::test::scratch_dir();
  c.features = c.dir + "/features.tsv";
  c.labels = c.dir + "/phenotype.csv";
  std::mt19937_64 rng(7);
  std::normal_distribution<double> normal;
  std::ofstream f(c.features), l(c.labels);
  f << "subject\tf1\tf2\tf3\tf4\n";
  l << "subject,dx,age,site\n";
  l << std::fixed << std::setprecision(3);
  for (int i = 0; i < 80; ++i) {
    const std::string id = "sub" + std::to_string(100 + i);
    double x[4];
    f << id;
    for (double& v : x) {
      v = normal(rng);
      f << "\t" << v;
    }
    f << "\n";
    const double age = 40.0 + 6.0 * x[0] - 4.0 * x[1] + normal(rng);
    c.ages.push_back(age);
    l << id << "," << i % 2 << ",";
    if (unknown_ages && i < 3)
      l << (i == 0 ? "" : i == 1 ? "abc" : "n/a");
    else
      l << age;
    l << "," << (i % 4 == 0 ? "A" : "B") << "\n";
  }
  c.data = "--features '" + c.features + "' --labels '" + c.labels +
           "' --id-column subject --site-column site --task regression --target age";
  return c;
}

// Every test needs the model commands (skipped, saying why, without LibTorch).
class RegressionCli : public brainenc::test::ModelCommandsTest {};

}  // namespace

TEST_F(RegressionCli, MlpRecoversAPlantedLinearEffect) {
  const AgeCohort c = age_cohort();
  const std::string out = c.dir + "/run";
  const auto r = run_brainenc("train -q --model mlp " + c.data +
                              " --epochs 60 --lr 0.01 --batch-size 16 --repeats 2 --seed 3"
                              " --out-dir '" +
                              out + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;

  const auto m = read_json(out + "/metrics.json");
  EXPECT_EQ(m["task"], "regression");
  EXPECT_EQ(m["target"], "age");
  EXPECT_EQ(m["val_metric"], "mae");  // the regression default
  ASSERT_EQ(m["splits"].size(), 2u);
  for (const auto& split : m["splits"]) {
    const auto& test = split["metrics"]["test"];
    EXPECT_EQ(test["n"], 16);
    EXPECT_GT(test["pearson_r"].get<double>(), 0.8) << test.dump();
    EXPECT_LT(test["mae"].get<double>(), 3.0) << test.dump();  // the target's sd is ~7.3
    EXPECT_TRUE(split.contains("best_val_mae"));
  }
  EXPECT_EQ(m["test"]["pearson_r"]["n"], 2);
  EXPECT_GT(m["test"]["pearson_r"]["mean"].get<double>(), 0.8);
  EXPECT_TRUE(m["test"].contains("mae"));
  EXPECT_FALSE(m["test"].contains("auroc"));

  // Stratified by site only: a fifth of site A (20) and of site B (60) in each test part.
  const auto splits = read_json(out + "/splits.json");
  for (const auto& split : splits["splits"]) {
    int site_a = 0;
    for (const auto& id : split["test"])
      site_a += (std::stoi(id.get<std::string>().substr(3)) - 100) % 4 == 0;
    EXPECT_EQ(site_a, 4);
    EXPECT_EQ(split["test"].size(), 16u);
  }

  // predictions.tsv: the prediction in years next to the target.
  const auto p = brainenc::io::read_text_table(out + "/split-0/predictions.tsv");
  EXPECT_EQ(p.columns, (std::vector<std::string>{"subject", "split", "prediction", "target"}));
  ASSERT_EQ(p.rows.size(), 80u);
  for (const auto& row : p.rows) {
    const size_t i = size_t(std::stoi(row[0].substr(3)) - 100);
    EXPECT_NEAR(std::stod(row[3]), c.ages[i], 1e-3) << row[0];
    EXPECT_NEAR(std::stod(row[2]), c.ages[i], 12.0) << row[0];  // years, not z-scores
  }
  std::ifstream log(out + "/split-0/log.jsonl");
  std::string first;
  ASSERT_TRUE(std::getline(log, first));
  EXPECT_TRUE(nlohmann::json::parse(first).contains("val_mae")) << first;

  // evaluate rebuilds the regression from the checkpoint: the same MAE, the same predictions.
  const std::string ckpt = out + "/split-0/checkpoint.pt";
  const auto e =
      run_brainenc("evaluate -q --checkpoint '" + ckpt + "' --out-dir '" + c.dir + "/eval'");
  ASSERT_EQ(e.exit_code, 0) << e.err;
  const auto em = read_json(c.dir + "/eval/metrics.json");
  EXPECT_EQ(em["task"], "regression");
  EXPECT_EQ(em["metrics"]["test"], m["splits"][0]["metrics"]["test"]);
  EXPECT_EQ(em["metrics"]["train"], m["splits"][0]["metrics"]["train"]);
  EXPECT_EQ(em["metrics"]["all"]["n"], 80);
  EXPECT_EQ(read_text(c.dir + "/eval/predictions.tsv"),
            read_text(out + "/split-0/predictions.tsv"));

  // predict needs no target: the same predictions, target n/a.
  const auto pr = run_brainenc("predict -q --checkpoint '" + ckpt + "' --features '" + c.features +
                               "' --out-dir '" + c.dir + "/pred'");
  ASSERT_EQ(pr.exit_code, 0) << pr.err;
  const auto a = brainenc::io::read_text_table(c.dir + "/pred/predictions.tsv");
  ASSERT_EQ(a.rows.size(), p.rows.size());
  for (size_t i = 0; i < a.rows.size(); ++i) {
    EXPECT_EQ(a.rows[i][2], p.rows[i][2]);
    EXPECT_EQ(a.rows[i][3], "n/a");
  }

  // The checkpoint knows its task.
  const auto wrong = run_brainenc("evaluate -q --task classification --checkpoint '" + ckpt +
                                  "' --out-dir '" + c.dir + "/wrong'");
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_NE(wrong.err.find("was trained for regression"), std::string::npos) << wrong.err;
}

TEST_F(RegressionCli, SubjectsWithoutATargetAreReportedAndLeftOut) {
  const AgeCohort c = age_cohort(/*unknown_ages=*/true);
  const auto r =
      run_brainenc("train --model mlp " + c.data + " --epochs 2 --out-dir '" + c.dir + "/run'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("left out 3 subject(s)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("sub100 (no value in target column 'age')"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("sub101 (target 'abc' in column 'age' is not a number)"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("sub102 (no value in target column 'age')"), std::string::npos) << r.err;
  EXPECT_EQ(read_json(c.dir + "/run/splits.json")["subjects"].size(), 77u);

  const auto e = run_brainenc("evaluate --checkpoint '" + c.dir +
                              "/run/split-0/checkpoint.pt' --out-dir '" + c.dir + "/eval'");
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_NE(e.err.find("left out 3 subject(s)"), std::string::npos) << e.err;
  EXPECT_EQ(read_json(c.dir + "/eval/metrics.json")["metrics"]["all"]["n"], 77);
}

TEST_F(RegressionCli, NonNumericTargetColumnNamesTheFileAndColumn) {
  const AgeCohort c = age_cohort();
  const auto r = run_brainenc("train -q --features '" + c.features + "' --labels '" + c.labels +
                              "' --id-column subject --site-column site --task regression "
                              "--target site --out-dir '" +
                              c.dir + "/run'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(c.labels), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("target column 'site' holds no number"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(c.dir + "/run/metrics.json"));
}

TEST_F(RegressionCli, UsageErrorsExitTwo) {
  const AgeCohort c = age_cohort();
  const std::string out = " --out-dir '" + c.dir + "/o'";
  const std::string pheno = " --features '" + c.features + "' --labels '" + c.labels +
                            "' --id-column subject --site-column site";
  struct Case {
    std::string args, message;
  };
  const std::vector<Case> cases = {
      {"train -q --model logistic --series-dir '" + c.dir + "'" + pheno +
           " --task regression --target age" + out,
       "--task regression: --model logistic has no regression head"},
      {"train -q" + pheno + " --task regression" + out, "--task regression needs --target"},
      {"train -q" + pheno + " --label-column dx --target age" + out,
       "--target is for --task regression"},
      {"train -q" + pheno + " --task regress --target age" + out,
       "--task: 'regress' is not classification or regression"},
      {"train -q " + c.data + " --val-metric auroc" + out, "--val-metric: 'auroc' is not mae"},
      {"train -q " + c.data + " --log-format xml" + out, "--log-format: 'xml' is not jsonl or csv"},
  };
  for (const auto& k : cases) {
    const auto r = run_brainenc(k.args);
    EXPECT_EQ(r.exit_code, 2) << k.args << "\n" << r.err;
    EXPECT_NE(r.err.find(k.message), std::string::npos) << k.args << "\n" << r.err;
  }
  EXPECT_FALSE(fs::exists(c.dir + "/o"));  // a refused run writes nothing
}

// The time-series models regress through the same heads: a subject's coupling of regions 0 and 1
// (its target) drives its FC. Two epochs only: the checkpoint round trip is what is checked.
TEST_F(RegressionCli, SeriesModelsRegressAndEvaluateReproducesThem) {
  const std::string dir = brainenc::test::scratch_dir();
  fs::create_directories(dir + "/series");
  std::mt19937_64 rng(13);
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> uniform(0.0, 2.0);
  std::ofstream pheno(dir + "/phenotype.csv");
  pheno << "id,coupling,site\n";
  for (int i = 0; i < 40; ++i) {
    const std::string id = "s" + std::to_string(1000 + i);
    const double coupling = uniform(rng);
    pheno << id << "," << coupling << "," << (i % 2 ? "A" : "B") << "\n";
    std::ofstream ts(dir + "/series/" + id + "_timeseries.tsv");
    ts << "r0\tr1\tr2\tr3\tr4\tr5\n";
    double latent = 0;
    for (int t = 0; t < 48; ++t) {
      latent = 0.7 * latent + normal(rng);
      for (int r = 0; r < 6; ++r)
        ts << (r ? "\t" : "") << (r < 2 ? coupling * latent : 0.0) + normal(rng);
      ts << "\n";
    }
  }
  pheno.close();
  const std::string data = "--labels '" + dir + "/phenotype.csv' --series-dir '" + dir +
                           "/series' --series-pattern '{id}_timeseries.tsv' --id-column id "
                           "--site-column site --tr 2 --task regression --target coupling "
                           "--epochs 2 --batch-size 8";
  const std::vector<std::pair<std::string, std::string>> models = {
      {"fc_transformer", "--fc_transformer.heads 2 --fc_transformer.clusters 3"},
      {"brainmae", "--brainmae.d-model 16 --brainmae.heads 2 --brainmae.layers 1"}};
  for (const auto& [model, options] : models) {
    const std::string out = dir + "/" + model;
    const auto r = run_brainenc("train -q --model " + model + " " + options + " " + data +
                                " --out-dir '" + out + "'");
    ASSERT_EQ(r.exit_code, 0) << model << ": " << r.err;
    const auto m = read_json(out + "/metrics.json");
    const auto& test = m["splits"][0]["metrics"]["test"];
    EXPECT_EQ(test["n"], 8) << model;
    EXPECT_TRUE(test["mae"].is_number()) << model << ": " << test.dump();
    const auto e = run_brainenc("evaluate -q --checkpoint '" + out +
                                "/split-0/checkpoint.pt' --out-dir '" + out + "-eval'");
    ASSERT_EQ(e.exit_code, 0) << model << ": " << e.err;
    EXPECT_EQ(read_json(out + "-eval/metrics.json")["metrics"]["test"], test) << model;
    EXPECT_EQ(read_text(out + "-eval/predictions.tsv"), read_text(out + "/split-0/predictions.tsv"))
        << model;
  }
}
