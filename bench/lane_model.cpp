// bench/lane_model.py: model of the bench's attention kernel after a lane-loop transformation: every region between
// two synchronization points is a loop over the 32 lanes of a SIMD-group, values live across an
// exchange are per-lane arrays, the exchange is computed between the loops (in lane order).
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#define W 32
#ifndef CHECKS
#define CHECKS 0
#endif
struct Bounds { uintptr_t lo, size; };
extern "C" { Bounds bnd[6]; }
__attribute__((noinline, cold)) static void fail(const void *p, int param) {
  fprintf(stderr, "oob %p param %d\n", p, param); abort();
}
#if CHECKS
#define CHK(p, sz, k) do { if ((uintptr_t)(p) - bnd[k].lo > bnd[k].size - (sz)) fail(p, k); } while (0)
#else
#define CHK(p, sz, k) do {} while (0)
#endif
struct f2 { float x, y; };
static inline float dot2(f2 a, f2 b) { return a.x * b.x + a.y * b.y; }

extern "C" void attn_rows(const f2 *Q, const f2 *K, const f2 *V, f2 *O, uint32_t S, float scale,
                          uint32_t row0, uint32_t row1) {
  constexpr uint32_t SG = 4;
  float tmax[SG], tsum[SG];
  f2 tacc[SG][W];
  for (uint32_t row = row0; row < row1; ++row) {
    for (uint32_t sg = 0; sg < SG; ++sg) {
      float qx[W], qy[W], m[W], l[W], ax[W], ay[W], pub[W];
      for (uint32_t lane = 0; lane < W; ++lane) {
        CHK(&Q[row * 32 + lane], 8, 0);
        f2 q = Q[row * 32 + lane];
        qx[lane] = q.x * scale; qy[lane] = q.y * scale;
        m[lane] = -INFINITY; l[lane] = 0.0f; ax[lane] = 0.0f; ay[lane] = 0.0f;
      }
      for (uint32_t j = sg; j < S; j += SG) {
        for (uint32_t lane = 0; lane < W; ++lane) {
          CHK(&K[j * 32 + lane], 8, 1);
          const float *kp = (const float *)&K[j * 32 + lane];
          pub[lane] = qx[lane] * kp[0] + qy[lane] * kp[1];
        }
        float s = pub[0];  // the exchange: simd_sum in lane order, once
        for (uint32_t lane = 1; lane < W; ++lane) s += pub[lane];
        for (uint32_t lane = 0; lane < W; ++lane) {
          float mnew = fmaxf(m[lane], s);
          float corr = expf(m[lane] - mnew), p = expf(s - mnew);
          l[lane] = l[lane] * corr + p;
          CHK(&V[j * 32 + lane], 8, 2);
          const float *vp = (const float *)&V[j * 32 + lane];
          ax[lane] = ax[lane] * corr + p * vp[0];
          ay[lane] = ay[lane] * corr + p * vp[1];
          m[lane] = mnew;
        }
      }
      tmax[sg] = m[0]; tsum[sg] = l[0];
      for (uint32_t lane = 0; lane < W; ++lane) tacc[sg][lane] = f2{ax[lane], ay[lane]};
    }
    // barrier; SIMD-group 0 combines (small: once per row)
    float ms[W], f[W];
    for (uint32_t lane = 0; lane < W; ++lane) ms[lane] = lane < SG ? tmax[lane % SG] : -INFINITY;
    float gm = ms[0];
    for (uint32_t lane = 1; lane < W; ++lane) gm = fmaxf(gm, ms[lane]);
    for (uint32_t lane = 0; lane < W; ++lane) f[lane] = expf(ms[lane] - gm);
    float total = tsum[0] * f[0];
    for (uint32_t lane = 1; lane < W; ++lane) total += tsum[lane % SG] * f[lane];
    for (uint32_t lane = 0; lane < W; ++lane) {
      float ox = 0, oy = 0;
      for (uint32_t g = 0; g < SG; ++g) { ox += tacc[g][lane].x * f[g]; oy += tacc[g][lane].y * f[g]; }
      CHK(&O[row * 32 + lane], 8, 3);
      O[row * 32 + lane] = f2{ox / total, oy / total};
    }
  }
}

extern "C" void attn_rows_uniform(const f2 *Q, const f2 *K, const f2 *V, f2 *O, uint32_t S, float scale,
                          uint32_t row0, uint32_t row1) {
  constexpr uint32_t SG = 4;
  float tmax[SG], tsum[SG];
  f2 tacc[SG][W];
  for (uint32_t row = row0; row < row1; ++row) {
    for (uint32_t sg = 0; sg < SG; ++sg) {
      float qx[W], qy[W], m[W], l[W], ax[W], ay[W], pub[W];
      for (uint32_t lane = 0; lane < W; ++lane) {
        CHK(&Q[row * 32 + lane], 8, 0);
        f2 q = Q[row * 32 + lane];
        qx[lane] = q.x * scale; qy[lane] = q.y * scale;
        m[lane] = -INFINITY; l[lane] = 0.0f; ax[lane] = 0.0f; ay[lane] = 0.0f;
      }
      for (uint32_t j = sg; j < S; j += SG) {
        for (uint32_t lane = 0; lane < W; ++lane) {
          CHK(&K[j * 32 + lane], 8, 1);
          const float *kp = (const float *)&K[j * 32 + lane];
          pub[lane] = qx[lane] * kp[0] + qy[lane] * kp[1];
        }
        float s = pub[0];  // the exchange: simd_sum in lane order, once
        for (uint32_t lane = 1; lane < W; ++lane) s += pub[lane];
        // m, l, mnew, corr, p are uniform across the SIMD-group: computed once (lane 0's values)
        float mnew = fmaxf(m[0], s);
        float corr = expf(m[0] - mnew), p = expf(s - mnew);
        l[0] = l[0] * corr + p;
        m[0] = mnew;
        for (uint32_t lane = 0; lane < W; ++lane) {
          CHK(&V[j * 32 + lane], 8, 2);
          const float *vp = (const float *)&V[j * 32 + lane];
          ax[lane] = ax[lane] * corr + p * vp[0];
          ay[lane] = ay[lane] * corr + p * vp[1];
        }
      }
      tmax[sg] = m[0]; tsum[sg] = l[0];
      for (uint32_t lane = 0; lane < W; ++lane) tacc[sg][lane] = f2{ax[lane], ay[lane]};
    }
    // barrier; SIMD-group 0 combines (small: once per row)
    float ms[W], f[W];
    for (uint32_t lane = 0; lane < W; ++lane) ms[lane] = lane < SG ? tmax[lane % SG] : -INFINITY;
    float gm = ms[0];
    for (uint32_t lane = 1; lane < W; ++lane) gm = fmaxf(gm, ms[lane]);
    for (uint32_t lane = 0; lane < W; ++lane) f[lane] = expf(ms[lane] - gm);
    float total = tsum[0] * f[0];
    for (uint32_t lane = 1; lane < W; ++lane) total += tsum[lane % SG] * f[lane];
    for (uint32_t lane = 0; lane < W; ++lane) {
      float ox = 0, oy = 0;
      for (uint32_t g = 0; g < SG; ++g) { ox += tacc[g][lane].x * f[g]; oy += tacc[g][lane].y * f[g]; }
      CHK(&O[row * 32 + lane], 8, 3);
      O[row * 32 + lane] = f2{ox / total, oy / total};
    }
  }
}

// The bench's block scan after the same transformation: rows of 1024 = 32 SIMD-groups.
extern "C" void scan_rows(const float *in, float *out, float *sums, uint32_t row0, uint32_t row1) {
  for (uint32_t row = row0; row < row1; ++row) {
    float totals[32];
    float xs[1024];
    for (uint32_t sg = 0; sg < 32; ++sg) {
      const uint32_t base = row * 1024 + sg * 32;
      float v[W], r[W], x[W];
      for (uint32_t lane = 0; lane < W; ++lane) { CHK(&in[base + lane], 4, 0); v[lane] = in[base + lane]; }
      float acc = 0;  // simd_prefix_inclusive_sum, once, in lane order
      for (uint32_t lane = 0; lane < W; ++lane) { acc += v[lane]; x[lane] = acc; }
      for (uint32_t lane = 0; lane < W; ++lane) r[lane] = v[lane];
      for (uint32_t o = 16; o > 0; o /= 2) {  // simd_shuffle_down: lanes past the end read their own
        float pub[W];
        for (uint32_t lane = 0; lane < W; ++lane) pub[lane] = r[lane];
        for (uint32_t lane = 0; lane < W; ++lane) r[lane] += lane + o < W ? pub[lane + o] : pub[lane];
      }
      CHK(&sums[(base) / 32], 4, 2);
      sums[base / 32] = r[0];
      totals[sg] = x[31];
      for (uint32_t lane = 0; lane < W; ++lane) xs[sg * 32 + lane] = x[lane];
    }
    float acc = 0;  // SIMD-group 0: simd_prefix_exclusive_sum of the totals
    float ex[32];
    for (uint32_t lane = 0; lane < W; ++lane) { ex[lane] = acc; acc += totals[lane]; }
    for (uint32_t sg = 0; sg < 32; ++sg)
      for (uint32_t lane = 0; lane < W; ++lane) {
        CHK(&out[row * 1024 + sg * 32 + lane], 4, 1);
        out[row * 1024 + sg * 32 + lane] = xs[sg * 32 + lane] + ex[sg];
      }
  }
}
