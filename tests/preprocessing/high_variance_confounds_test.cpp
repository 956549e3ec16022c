// nilearn 0.10.2's signal.high_variance_confounds and image.high_variance_confounds: values of
// nilearn's own calls (tests/data/high_variance_confounds/make_references.py), the streamed
// two-pass version against the in-memory one, and the corner cases of the voxel selection.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include "brainenc/io/error.hpp"
#include "brainenc/io/npy.hpp"
#include "brainenc/io/volume.hpp"
#include "brainenc/preprocessing/high_variance_confounds.hpp"
#include "test_support.hpp"

using namespace brainenc;
namespace pp = brainenc::preprocessing;

namespace {

uint64_t splitmix(uint64_t i) {
  uint64_t z = (i + 1) * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// make_references.py's small_series: integers and dyadic fractions only, so every value is
// exact and equal to the one nilearn saw.
Eigen::MatrixXd small_series(int64_t T, int64_t V) {
  Eigen::MatrixXd x(T, V);
  for (int64_t t = 0; t < T; ++t)
    for (int64_t v = 0; v < V; ++v) {
      double val = 50.0 + 0.25 * static_cast<double>(v % 9);
      for (int64_t k = 0; k < 3; ++k) {
        const double s = static_cast<double>(((t + 1) * (2 * k + 3) * 7919) % 61 - 30) / 8.0;
        const double w = static_cast<double>(((v + 1) * (k + 5) * 104729) % 17) / 4.0;
        val += w * s;
      }
      const auto bits = static_cast<int64_t>((splitmix(uint64_t(t * V + v)) >> 11) % 1024);
      val += static_cast<double>(bits - 512) / 256.0;
      val += (static_cast<double>(v % 5 - 2) / 16.0) * static_cast<double>(t);
      x(t, v) = val;
    }
  return x;
}

Eigen::MatrixXd rows(std::initializer_list<std::initializer_list<double>> values) {
  Eigen::MatrixXd m(static_cast<Eigen::Index>(values.size()),
                    static_cast<Eigen::Index>(values.begin()->size()));
  Eigen::Index i = 0;
  for (const auto& row : values) {
    Eigen::Index j = 0;
    for (double v : row) m(i, j++) = v;
    ++i;
  }
  return m;
}

// Max |a - b| after giving each column of b the sign that fits a: an eigenvector's sign is not
// defined, and nilearn's comes from rounding inside LAPACK (high_variance_confounds.hpp).
double max_diff_up_to_sign(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  EXPECT_EQ(a.rows(), b.rows());
  EXPECT_EQ(a.cols(), b.cols());
  if (a.rows() != b.rows() || a.cols() != b.cols()) return std::numeric_limits<double>::infinity();
  double worst = 0.0;
  for (Eigen::Index j = 0; j < a.cols(); ++j) {
    const double sign = a.col(j).dot(b.col(j)) < 0 ? -1.0 : 1.0;
    worst = std::max(worst, (a.col(j) - sign * b.col(j)).cwiseAbs().maxCoeff());
  }
  return worst;
}

// brainenc's convention: unit columns whose largest-magnitude entry is positive.
void expect_convention(const Eigen::MatrixXd& u) {
  for (Eigen::Index j = 0; j < u.cols(); ++j) {
    EXPECT_NEAR(u.col(j).norm(), 1.0, 1e-12);
    Eigen::Index at = 0;
    u.col(j).cwiseAbs().maxCoeff(&at);
    EXPECT_GT(u(at, j), 0.0) << "column " << j;
  }
}

std::string data_file(const std::string& name) {
  return std::string(BRAINENC_SOURCE_DIR) + "/tests/data/high_variance_confounds/" + name;
}

// Both passes of the streamed version over the rows of a time x voxels matrix.
Eigen::MatrixXd streamed(const Eigen::MatrixXd& series, const pp::HighVarianceOptions& o,
                         int64_t* gathered = nullptr) {
  pp::HighVarianceConfounds hv(series.cols(), series.rows(), o);
  std::vector<double> frame(static_cast<size_t>(series.cols()));
  for (int pass = 0; pass < 2; ++pass)
    for (Eigen::Index t = 0; t < series.rows(); ++t) {
      Eigen::Map<Eigen::RowVectorXd>(frame.data(), series.cols()) = series.row(t);
      if (pass == 0)
        hv.add_frame(frame.data());
      else
        hv.gather_frame(frame.data());
    }
  if (gathered) *gathered = hv.gathered_voxels();
  return hv.confounds();
}

// A 4D volume as time x voxels.
Eigen::MatrixXd as_series(const io::Volume<double>& v) {
  const Eigen::Index V = v.grid.voxels();
  return Eigen::Map<const Eigen::MatrixXd>(v.data.data(), V, v.frames).transpose();
}

}  // namespace

// nilearn 0.10.2: signal.high_variance_confounds(x) with x = small_series(24, 400) in Fortran
// order (n_confounds=5, percentile=2, detrend=True: 8 of 400 series kept).
TEST(HighVarianceConfounds, MatchesNilearnDefaults) {
  const Eigen::MatrixXd want =
      rows({{-0.10311335119953002, -0.011544448311721451, -0.090539392166439164, 0.1372007483387698,
             -0.026832941500489961},
            {-0.028550916457088071, 0.15118936313305809, 0.10414254376292004, 0.005973407905691377,
             -0.097228907836432468},
            {-0.28604932765030266, 0.075970227759814116, -0.092362233648864034,
             -0.050433772202617785, -0.07778734266546225},
            {0.2673076552959372, 0.3564295606367468, -0.02104846695347597, -0.053528541135437431,
             0.0011504488023004814},
            {-0.00095324767599021948, -0.049468609512047401, -0.31372935965965443,
             0.18536798409518979, 0.073384233886173461},
            {0.070484049273918603, -0.44960588724294109, 0.25185145115467328, 0.32552523816555401,
             -0.093612771331887126},
            {-0.18459136323313302, -0.12182770258633205, -0.058045476541615751,
             -0.30697880318637577, -0.051245864689195272},
            {0.36681726240079687, 0.19751723239075061, -0.26772052988032624, 0.18971554270623503,
             -0.14301307757589846},
            {0.098530814851281318, -0.077579868728089682, 0.2763390748912487, -0.49146184089723838,
             0.18090172935097906},
            {0.17999570249970345, 0.16175861075051223, 0.38541405656703143, -0.064617544728796827,
             0.027071063000081563},
            {-0.50187738077694954, -0.046892038237269854, -0.074818405295659113,
             -0.24054008524469997, 0.18701873199364977},
            {0.057454778287487976, 0.0066898953979091045, 0.16837356986831067, 0.27659511691502059,
             0.071523948897093834},
            {0.11779577112177661, -0.25405922179450158, -0.1146014605728177, 0.067598766761754053,
             0.41411290038790644},
            {-0.1560575108646641, -0.17145777243496216, 0.39032334282745018, 0.15735228568924522,
             0.027876775188291215},
            {-0.078694855524580554, 0.043911296544409867, -0.22448606727613279,
             -0.18187633755402602, 0.091503165249605806},
            {0.13998862518253435, 0.0084965029717823867, 0.15748706392905285, -0.13766249736909794,
             -0.40300036738670336},
            {0.22558498459920748, 0.066096088256814386, -0.2981734535512236, -0.084384793139094638,
             0.03643264166908481},
            {-0.061153952505785085, -0.083153028058162728, -0.11615205695797172,
             -0.12332252482290612, -0.56026051210071925},
            {0.014503557475029075, -0.055504306722511929, -0.24776916822089487,
             0.062648199764454737, 0.25061452390819705},
            {0.23856903757679382, -0.39387006023934129, -0.062961311525581112,
             -0.023319858933607374, 0.10643906765930092},
            {-0.10163975050080283, 0.15233947562644706, 0.11602424904522682, 0.29789569163635754,
             0.03844870562332884},
            {-0.3727136621494791, 0.39555330654893434, 0.055979218513086557, 0.28860641014676253,
             0.057111254583346871},
            {0.18058014825930566, 0.27456809265181631, 0.19360026162897623, -0.21030924752225688,
             0.19938736336288868},
            {-0.082217068285467071, -0.17555670880110474, -0.11712744993730961,
             -0.026043545388851244, -0.30999476847547336}});
  const Eigen::MatrixXd got = pp::high_variance_confounds(small_series(24, 400));
  EXPECT_LE(max_diff_up_to_sign(got, want), 1e-10);
  expect_convention(got);
}

// nilearn 0.10.2: signal.high_variance_confounds(x, n_confounds=3, percentile=10.0,
// detrend=False), x as above (40 series kept; raw mean of squares, no mean removal).
TEST(HighVarianceConfounds, MatchesNilearnNoDetrend) {
  const Eigen::MatrixXd want =
      rows({{-0.18737555350286961, -0.12920500772692306, 0.25543412755956807},
            {-0.20139678359251456, -0.37344959168194736, 0.0057647101295661488},
            {-0.15523163876067375, -0.055455173028389766, -0.069929899151544281},
            {-0.24724069967037998, -0.13283113135615598, 0.21914308994085355},
            {-0.19981406878867808, 0.13986511949310451, 0.13669289330880624},
            {-0.21483473177399129, -0.11398197037304675, -0.1411260379769454},
            {-0.17008893272343403, 0.15716155624081674, -0.23729752322692349},
            {-0.26087311760664061, 0.10625655846113985, 0.10813424097190712},
            {-0.21431173545986157, 0.39925899324644049, 0.012182957031209082},
            {-0.22872212994917068, 0.13001842192426183, -0.29892084931975227},
            {-0.11764901704553174, -0.054159502595896469, -0.0093589632080197799},
            {-0.20964996713468276, -0.093070454869466135, 0.27407507305978984},
            {-0.22471734963338666, -0.33274981918484997, 0.037892280805749995},
            {-0.17730883266560313, -0.056997422219791073, -0.073728048012295905},
            {-0.19223220070705435, -0.2794002217925653, -0.34676573860575838},
            {-0.22271405895253943, 0.16192277751422418, 0.17020991027120899},
            {-0.23654974630720979, -0.071656726156925976, -0.10805781476014605},
            {-0.1911947000514016, 0.21292748103501075, -0.22625858162356871},
            {-0.20569138007477988, -0.034650761957547883, -0.48523617620274739},
            {-0.23645991107643424, 0.42556887393102816, 0.02009784308301403},
            {-0.1857544383374686, -0.2552364280307407, 0.092070232925463444},
            {-0.13898353090474527, -0.0076428519477503981, -0.0054074247068738182},
            {-0.23001885011641882, -0.055882863710350492, 0.30816741821787719},
            {-0.1845215782108762, 0.21749927645000033, 0.22848292581750307}});
  pp::HighVarianceOptions o;
  o.n_confounds = 3;
  o.percentile = 10.0;
  o.detrend = false;
  const Eigen::MatrixXd got = pp::high_variance_confounds(small_series(24, 400), o);
  EXPECT_LE(max_diff_up_to_sign(got, want), 1e-10);
  expect_convention(got);
}

// nanpercentile skips NaN variances and `var > threshold` is false for them: a series with a NaN
// counts as absent, however large its other values.
TEST(HighVarianceConfounds, SeriesWithNaNIsAbsent) {
  Eigen::MatrixXd x = small_series(24, 400);
  x.col(7) *= 100.0;
  x(3, 7) = std::numeric_limits<double>::quiet_NaN();
  Eigen::MatrixXd without(24, 399);
  without << x.leftCols(7), x.rightCols(392);
  const Eigen::MatrixXd want = pp::high_variance_confounds(without);
  EXPECT_EQ(pp::high_variance_confounds(x), want);
  EXPECT_EQ(streamed(x, {}), want);
}

TEST(HighVarianceConfounds, RejectsInvalidOptionsAndTooFewSeries) {
  const Eigen::MatrixXd x = small_series(24, 400);
  pp::HighVarianceOptions o;
  o.percentile = 150.0;
  EXPECT_THROW(pp::high_variance_confounds(x, o), UsageError);
  o = {};
  o.n_confounds = 0;
  EXPECT_THROW(pp::high_variance_confounds(x, o), UsageError);
  // 0.5 % of 400 series: 2 kept, fewer than 5 confounds (nilearn would return null vectors).
  o = {};
  o.percentile = 0.5;
  EXPECT_THROW(pp::high_variance_confounds(x, o), DataError);
  // 5 confounds after detrending need 7 time points.
  EXPECT_THROW(pp::high_variance_confounds(small_series(6, 400)), DataError);
  EXPECT_THROW(pp::HighVarianceConfounds(400, 6), DataError);
}

// Pass 1's shifted sums are approximate; the candidates it hands to pass 2 must still contain
// every series at or above the threshold, also with exact ties at the threshold and a bright
// first volume (non-steady state) on a large mean. Then the result is the in-memory one, bit for
// bit.
TEST(HighVarianceConfounds, StreamedEqualsInMemoryWithTiesAndSpike) {
  Eigen::MatrixXd x = small_series(40, 500);
  x.array() += 1e4;
  x.row(0).array() += 5000.0;
  // 20 identical series at the 98th percentile (ranks 472..491 of 500; the threshold is their
  // variance, so none of them is kept) and 8 larger ones above.
  for (int64_t j = 0; j < 20; ++j) x.col(100 + j) = 3.0 * x.col(99);
  for (int64_t j = 0; j < 8; ++j) x.col(200 + j) *= 4.0 + 0.25 * static_cast<double>(j);
  int64_t gathered = 0;
  const Eigen::MatrixXd got = streamed(x, {}, &gathered);
  EXPECT_EQ(got, pp::high_variance_confounds(x));
  EXPECT_EQ(gathered, 28);
}

TEST(HighVarianceConfounds, PassesOutOfOrderAreErrors) {
  pp::HighVarianceConfounds hv(3, 8);
  const double frame[3] = {1.0, 2.0, 3.0};
  hv.add_frame(frame);
  EXPECT_THROW(hv.gather_frame(frame), RuntimeError);
}

// nilearn 0.10.2: image.high_variance_confounds('tiny_bold_f64.nii.gz'): every voxel, defaults.
TEST(HighVarianceConfounds, ImageMatchesNilearnAndInMemory) {
  const std::string bold = test::shared_file("reference/inputs/tiny_bold_f64.nii.gz");
  BRAINENC_SKIP_IF_EMPTY(bold);
  const Eigen::MatrixXd got = pp::high_variance_confounds(bold);
  EXPECT_LE(max_diff_up_to_sign(got, io::read_npy(data_file("hv_tiny_bold_f64.npy")).matrix()),
            1e-10);
  EXPECT_EQ(got, pp::high_variance_confounds(as_series(io::read_volume(bold))));
  expect_convention(got);
}

// nilearn 0.10.2: image.high_variance_confounds('tiny_bold_f64.nii.gz',
// mask_img='tiny_mask.nii.gz'): the mask's voxels only.
TEST(HighVarianceConfounds, ImageWithMaskMatchesNilearn) {
  const std::string bold = test::shared_file("reference/inputs/tiny_bold_f64.nii.gz");
  const std::string mask = test::shared_file("reference/inputs/tiny_mask.nii.gz");
  BRAINENC_SKIP_IF_EMPTY(mask);
  const io::Volume<double> m = io::read_volume(mask);
  const Eigen::MatrixXd got = pp::high_variance_confounds(bold, {}, m.data);
  EXPECT_LE(max_diff_up_to_sign(got, io::read_npy(data_file("hv_tiny_bold_f64_mask.npy")).matrix()),
            1e-10);
  const Eigen::MatrixXd all = as_series(io::read_volume(bold));
  std::vector<Eigen::Index> inside;
  for (size_t v = 0; v < m.data.size(); ++v)
    if (m.data[v] != 0.0) inside.push_back(Eigen::Index(v));
  EXPECT_EQ(got, pp::high_variance_confounds(Eigen::MatrixXd(all(Eigen::all, inside))));
}

// nilearn 0.10.2: image.high_variance_confounds('tiny_bold_nan_20vol_f32.nii.gz'): the voxels
// with a NaN or an inf are never kept. nilearn computes in float32 here (reference README
// quirk 1), brainenc in float64: the float32 tolerance.
TEST(HighVarianceConfounds, ImageSkipsNonFiniteVoxels) {
  const std::string bold = test::shared_file("reference/inputs/tiny_bold_nan_20vol_f32.nii.gz");
  BRAINENC_SKIP_IF_EMPTY(bold);
  const Eigen::MatrixXd got = pp::high_variance_confounds(bold);
  EXPECT_LE(
      max_diff_up_to_sign(got, io::read_npy(data_file("hv_tiny_bold_nan_20vol_f32.npy")).matrix()),
      1e-4);
  EXPECT_TRUE(got.allFinite());
}
