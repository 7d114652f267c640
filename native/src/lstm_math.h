// exp, sigmoid and tanh for the fused LSTM cell (lstm.cpp) in a branch-free form the compiler vectorizes.
// std::exp / std::tanh are scalar library calls: with them the cell's nonlinearities cost more than the
// recurrent GEMM. Accuracy: float within a few ulp, double within ~1e-15 relative of std::exp (the
// tests compare with libtorch's LSTM to 1e-5 / 1e-10).
#pragma once
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace sa_lstm {

template <typename T>
struct ExpConst;

template <>
struct ExpConst<float> {
  using Bits = int32_t;
  static constexpr float lo = -87.0f, hi = 88.0f;
  static constexpr float round = 12582912.0f;  // 1.5·2^23: adding it rounds to an integer held in the low mantissa bits
  static constexpr int mantissa = 23;
  static constexpr int32_t bias = 127;
  static constexpr float ln2_hi = 0.693145751953125f, ln2_lo = 1.428606765330187e-06f;
  // Taylor coefficients 1/k! up to degree 7: |r| ≤ ln2/2 leaves a remainder below 1e-8 relative.
  static constexpr int degree = 7;
};

template <>
struct ExpConst<double> {
  using Bits = int64_t;
  static constexpr double lo = -708.0, hi = 709.0;
  static constexpr double round = 6755399441055744.0;  // 1.5·2^52
  static constexpr int mantissa = 52;
  static constexpr int64_t bias = 1023;
  static constexpr double ln2_hi = 0.693147180369123816490, ln2_lo = 1.90821492927058770002e-10;
  static constexpr int degree = 13;  // remainder below 1e-17 relative
};

// 1/k! for k = 0 .. N, computed at compile time.
template <typename T, int N>
struct InvFactorials {
  T c[N + 1];
  constexpr InvFactorials() : c() {
    c[0] = T(1);
    for (int k = 1; k <= N; k++) c[k] = c[k - 1] / T(k);
  }
};

template <typename T>
inline T exp(T x) {
  using C = ExpConst<T>;
  using Bits = std::make_unsigned_t<typename C::Bits>;  // unsigned: wrap-around is defined (NaN inputs)
  x = x < C::lo ? C::lo : x;
  x = x > C::hi ? C::hi : x;
  // x = n·ln2 + r with n an integer, |r| ≤ ln2/2; exp(x) = 2^n · exp(r).
  T shifted = x * T(1.4426950408889634) + C::round;
  T n = shifted - C::round;
  T r = x - n * C::ln2_hi - n * C::ln2_lo;
  // Horner: exp(r) ≈ Σ_{k ≤ degree} r^k / k!, coefficients folded at compile time.
  constexpr InvFactorials<T, C::degree> coef{};
  T q = coef.c[C::degree];
#pragma GCC unroll 16
  for (int k = C::degree - 1; k >= 0; k--) q = q * r + coef.c[k];
  // 2^n from the integer in shifted's low mantissa bits, moved into the exponent field.
  Bits sb, rb;
  T round = C::round;
  std::memcpy(&sb, &shifted, sizeof(T));
  std::memcpy(&rb, &round, sizeof(T));
  Bits eb = (sb - rb + Bits(C::bias)) << C::mantissa;
  T scale;
  std::memcpy(&scale, &eb, sizeof(T));
  return q * scale;
}

template <typename T>
inline T sigmoid(T x) {
  return T(1) / (T(1) + exp(-x));
}

// tanh(x) = 1 − 2 / (1 + e^{2x}): saturates to ±1 without overflow thanks to exp's clamping.
template <typename T>
inline T tanh(T x) {
  return T(1) - T(2) / (T(1) + exp(T(2) * x));
}

}  // namespace sa_lstm
