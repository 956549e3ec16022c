// load_confounds: fMRIPrep confound columns by noise component, censored volumes as a sample
// mask, as nilearn 0.10.2 (reference README quirk 14).
#include "brainenc/preprocessing/fmriprep_confounds.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_map>
#include <vector>

#include "brainenc/io/error.hpp"
#include "brainenc/io/table.hpp"
#include "brainenc/preprocessing/confound_selection.hpp"
#include "brainenc/preprocessing/fmriprep_files.hpp"

namespace brainenc::preprocessing {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

bool has(const ConfoundsOptions& o, ConfoundComponent c) {
  return std::find(o.strategy.begin(), o.strategy.end(), c) != o.strategy.end();
}

// The TSV columns picked for a run, and what was asked for but is absent.
class ColumnPicker {
 public:
  explicit ColumnPicker(const io::Table& table) : table_(table) {
    for (size_t i = 0; i < table.columns.size(); ++i) index_.emplace(table.columns[i], i);
  }

  void take(const std::vector<std::string>& names, ConfoundComponent component) {
    for (const std::string& name : names) {
      const auto it = index_.find(name);
      if (it != index_.end())
        add(it->second);
      else
        missing_.push_back("'" + name + "' (" + to_string(component) + ")");
    }
  }
  // Every column whose name contains `part`, in file order (cosineXX, aroma_motion_XX, ...).
  size_t take_containing(const char* part) {
    size_t n = 0;
    for (size_t i = 0; i < table_.columns.size(); ++i)
      if (contains(table_.columns[i], part)) {
        add(i);
        ++n;
      }
    return n;
  }
  void report_missing(const std::string& what) { missing_.push_back(what); }
  const std::vector<std::string>& missing() const { return missing_; }
  const std::vector<size_t>& picked() const { return picked_; }
  bool exists(const std::string& name) const { return index_.count(name) > 0; }

 private:
  void add(size_t i) {
    if (std::find(picked_.begin(), picked_.end(), i) == picked_.end()) picked_.push_back(i);
  }
  const io::Table& table_;
  std::unordered_map<std::string, size_t> index_;
  std::vector<size_t> picked_;
  std::vector<std::string> missing_;
};

std::string locate_tsv(const std::string& image_or_tsv, const ConfoundsOptions& options) {
  if (ends_with(image_or_tsv, ".tsv")) return image_or_tsv;
  // The AROMA-denoised image and ica_aroma=full go together (nilearn's _check_images).
  const bool full_aroma =
      has(options, ConfoundComponent::IcaAroma) && options.ica_aroma == IcaAroma::Full;
  if (full_aroma && !is_aroma_image(image_or_tsv))
    throw DataError(image_or_tsv,
                    "strategy ica_aroma with --ica-aroma full needs fMRIPrep's "
                    "..._desc-smoothAROMAnonaggr_bold image");
  if (!full_aroma && is_aroma_image(image_or_tsv))
    throw DataError(
        image_or_tsv,
        "an ICA-AROMA denoised image goes with strategy ica_aroma and --ica-aroma full");
  return find_confounds_file(image_or_tsv);
}

// numpy's pairwise summation (umath loops.c: eight partial sums up to 128 values, halves
// above), through which the pandas and scikit-learn means nilearn uses go. Summing in the same
// order makes the demeaned columns bit-identical to nilearn's, also for large values such as
// csf_power2.
double pairwise_sum(const double* a, Eigen::Index n) {
  if (n < 8) {
    double sum = 0.0;
    for (Eigen::Index i = 0; i < n; ++i) sum += a[i];
    return sum;
  }
  if (n <= 128) {
    double r[8];
    for (int j = 0; j < 8; ++j) r[j] = a[j];
    Eigen::Index i = 8;
    for (; i < n - n % 8; i += 8)
      for (int j = 0; j < 8; ++j) r[j] += a[i + j];
    double sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) sum += a[i];
    return sum;
  }
  Eigen::Index half = n / 2;
  half -= half % 8;
  return pairwise_sum(a, half) + pairwise_sum(a + half, n - half);
}

// Column means over `rows` (all rows when empty).
Eigen::RowVectorXd column_means(const Eigen::MatrixXd& m, const std::vector<int64_t>& rows) {
  Eigen::RowVectorXd mean(m.cols());
  Eigen::VectorXd kept(rows.size());
  for (Eigen::Index j = 0; j < m.cols(); ++j) {
    if (rows.empty()) {
      mean[j] = pairwise_sum(m.col(j).data(), m.rows()) / static_cast<double>(m.rows());
      continue;
    }
    for (size_t k = 0; k < rows.size(); ++k)
      kept[static_cast<Eigen::Index>(k)] = m(static_cast<Eigen::Index>(rows[k]), j);
    mean[j] = pairwise_sum(kept.data(), kept.size()) / static_cast<double>(kept.size());
  }
  return mean;
}

// Quirk 14: with a sample mask, the mean of the kept volumes is subtracted from every volume
// (pandas); without one, sklearn.preprocessing.scale(with_std=False), which subtracts the mean
// again when the first pass leaves a mean beyond 1e-8 (np.allclose) in any column.
void demean(Eigen::MatrixXd& values, const std::optional<std::vector<int64_t>>& sample_mask) {
  if (values.cols() == 0) return;
  if (sample_mask) {
    values.rowwise() -= column_means(values, *sample_mask);
    return;
  }
  values.rowwise() -= column_means(values, {});
  const Eigen::RowVectorXd residual = column_means(values, {});
  if ((residual.array().abs() > 1e-8).any()) values.rowwise() -= residual;
}

}  // namespace

Confounds load_confounds(const std::string& image_or_tsv, const ConfoundsOptions& options) {
  validate(options);
  Confounds out;
  out.tsv_path = locate_tsv(image_or_tsv, options);
  const io::Table table = read_confounds_tsv(out.tsv_path);
  const Eigen::Index n = table.values.rows();

  ColumnPicker pick(table);
  // Non-steady-state volumes are always censored, whatever the strategy.
  pick.take_containing("non_steady_state");
  std::vector<int64_t> scrubbed;
  for (const ConfoundComponent component : options.strategy) {
    switch (component) {
      case ConfoundComponent::Motion:
        pick.take(expand_confound_names(
                      {"trans_x", "trans_y", "trans_z", "rot_x", "rot_y", "rot_z"}, options.motion),
                  component);
        break;
      case ConfoundComponent::WmCsf:
        pick.take(expand_confound_names({"csf", "white_matter"}, options.wm_csf), component);
        break;
      case ConfoundComponent::GlobalSignal:
        pick.take(expand_confound_names({"global_signal"}, options.global_signal), component);
        break;
      case ConfoundComponent::CompCor: {
        out.json_path = confounds_json_path(out.tsv_path);
        const auto names = select_compcor(read_confounds_json(out.json_path), options.compcor,
                                          options.n_compcor, out.json_path);
        if (names.empty())
          throw DataError(out.json_path, "no CompCor component of kind '" +
                                             to_string(options.compcor) + "' is listed");
        pick.take(names, component);
        break;
      }
      case ConfoundComponent::HighPass:
        // fMRIPrep's discrete cosine basis; a run too short for any cosine has none.
        pick.take_containing("cosine");
        break;
      case ConfoundComponent::IcaAroma:
        if (options.ica_aroma == IcaAroma::Basic && pick.take_containing("aroma") == 0)
          pick.report_missing("'aroma_motion_XX' (ica_aroma basic)");
        break;
      case ConfoundComponent::Scrub: {
        const bool fd = pick.exists("framewise_displacement"), dvars = pick.exists("std_dvars");
        if (!fd) pick.report_missing("'framewise_displacement' (scrub)");
        if (!dvars) pick.report_missing("'std_dvars' (scrub)");
        if (fd && dvars)
          scrubbed =
              scrub_volumes(table.column("framewise_displacement"), table.column("std_dvars"),
                            options.fd_threshold, options.std_dvars_threshold, options.scrub);
        break;
      }
      case ConfoundComponent::NonSteadyState:
        break;
    }
  }
  if (!pick.missing().empty()) {
    std::string list;
    for (const auto& m : pick.missing()) list += (list.empty() ? "" : ", ") + m;
    throw DataError(out.tsv_path, "missing confound columns for the strategy: " + list);
  }

  // One-hot outlier columns become the sample mask; they are never returned as regressors.
  std::vector<std::pair<std::string, size_t>> regressors;
  std::vector<bool> censored(static_cast<size_t>(n), false);
  bool has_mask = !scrubbed.empty();
  for (size_t c : pick.picked()) {
    const std::string& name = table.columns[c];
    if (!contains(name, "motion_outlier") && !contains(name, "non_steady_state")) {
      regressors.emplace_back(name, c);
      continue;
    }
    has_mask = true;
    for (Eigen::Index r = 0; r < n; ++r) {
      const double v = table.values(r, static_cast<Eigen::Index>(c));
      if (!std::isnan(v) && v != 0) censored[static_cast<size_t>(r)] = true;
    }
  }
  for (int64_t r : scrubbed) censored[static_cast<size_t>(r)] = true;
  if (has_mask) {
    std::vector<int64_t> kept;
    for (Eigen::Index r = 0; r < n; ++r)
      if (!censored[static_cast<size_t>(r)]) kept.push_back(r);
    if (kept.empty()) {
      // nilearn returns an empty mask and all-NaN confounds here.
      std::string why = "non-steady-state volumes";
      if (has(options, ConfoundComponent::Scrub))
        why += ", FD > " + io::format_number(options.fd_threshold) + " or std_dvars > " +
               io::format_number(options.std_dvars_threshold) + " and segments shorter than " +
               std::to_string(options.scrub);
      throw DataError(out.tsv_path, "every volume is censored (" + why + ")");
    }
    out.sample_mask = std::move(kept);
  }

  std::stable_sort(regressors.begin(), regressors.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  out.values.resize(n, static_cast<Eigen::Index>(regressors.size()));
  for (size_t j = 0; j < regressors.size(); ++j) {
    const auto col = static_cast<Eigen::Index>(j);
    out.columns.push_back(regressors[j].first);
    out.values.col(col) = table.values.col(static_cast<Eigen::Index>(regressors[j].second));
    // Derivatives have no value at the first volume: nilearn copies the second one.
    if (n > 1 && std::isnan(out.values(0, col))) out.values(0, col) = out.values(1, col);
    for (Eigen::Index r = 0; r < n; ++r)
      if (std::isnan(out.values(r, col)))
        throw DataError(out.tsv_path, "column '" + regressors[j].first + "' is n/a at volume " +
                                          std::to_string(r) + " (line " + std::to_string(r + 2) +
                                          "); only the first volume of a derivative may be");
  }

  if (options.demean) demean(out.values, out.sample_mask);
  return out;
}

}  // namespace brainenc::preprocessing
