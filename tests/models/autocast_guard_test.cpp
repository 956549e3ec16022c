#include <gtest/gtest.h>

#include "brainenc/io/error.hpp"
#include "brainenc/models/compat.hpp"

using namespace brainenc::models;

TEST(AutocastGuard, NestsAndRestoresCpuState) {
  ASSERT_FALSE(autocast_enabled(at::kCPU));
  const auto dtype_before = autocast_dtype(at::kCPU);
  {
    AutocastGuard outer(at::kCPU, at::kBFloat16);
    EXPECT_TRUE(autocast_enabled(at::kCPU));
    EXPECT_EQ(autocast_dtype(at::kCPU), at::kBFloat16);
    {
      AutocastGuard inner(at::kCPU, at::kBFloat16, /*enabled=*/false);
      EXPECT_FALSE(autocast_enabled(at::kCPU));
    }
    EXPECT_TRUE(autocast_enabled(at::kCPU));
  }
  EXPECT_FALSE(autocast_enabled(at::kCPU));
  EXPECT_EQ(autocast_dtype(at::kCPU), dtype_before);
}

TEST(AutocastGuard, CudaStateIsThreadLocalAndNeedsNoDevice) {
  // Setting the CUDA autocast flags touches no device, so this runs on CPU-only CI too.
  ASSERT_FALSE(autocast_enabled(at::kCUDA));
  const auto dtype_before = autocast_dtype(at::kCUDA);
  {
    AutocastGuard guard(at::kCUDA, at::kBFloat16);
    EXPECT_TRUE(autocast_enabled(at::kCUDA));
    EXPECT_EQ(autocast_dtype(at::kCUDA), at::kBFloat16);
    EXPECT_FALSE(autocast_enabled(at::kCPU));  // the other device is untouched
    {
      AutocastGuard off(at::kCUDA, at::kBFloat16, false);
      EXPECT_FALSE(autocast_enabled(at::kCUDA));
    }
    EXPECT_TRUE(autocast_enabled(at::kCUDA));
    {
      AutocastGuard half(at::kCUDA, at::kHalf);
      EXPECT_EQ(autocast_dtype(at::kCUDA), at::kHalf);
    }
    EXPECT_EQ(autocast_dtype(at::kCUDA), at::kBFloat16);
  }
  EXPECT_FALSE(autocast_enabled(at::kCUDA));
  EXPECT_EQ(autocast_dtype(at::kCUDA), dtype_before);
}

TEST(AutocastGuard, CpuBf16CastsMatmulOnlyInsideTheRegion) {
  torch::manual_seed(0);
  const auto a = torch::randn({16, 32}), b = torch::randn({32, 8});
  const auto exact = torch::mm(a, b);
  EXPECT_EQ(exact.scalar_type(), torch::kFloat32);
  torch::Tensor cast;
  {
    AutocastGuard guard(at::kCPU, at::kBFloat16);
    cast = torch::mm(a, b);
    {
      AutocastGuard off(at::kCPU, at::kBFloat16, false);
      EXPECT_EQ(torch::mm(a, b).scalar_type(), torch::kFloat32);
    }
  }
  EXPECT_EQ(cast.scalar_type(), torch::kBFloat16);
  // bf16 keeps 8 significant bits: relative error of a 32-term dot product stays ~1e-2.
  EXPECT_LT((cast.to(torch::kFloat32) - exact).abs().max().item<double>(),
            0.05 * exact.abs().max().item<double>());
  EXPECT_EQ(torch::mm(a, b).scalar_type(), torch::kFloat32);
}

TEST(AutocastGuard, RejectsOtherDevices) {
  EXPECT_THROW(AutocastGuard(at::kMeta, at::kBFloat16), brainenc::RuntimeError);
}
