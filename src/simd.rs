//! SSE2 byte masks for the scans that every character of an article passes through (word
//! starts, the normalization fast path). SSE2 is part of every x86-64 CPU; other targets use
//! the character-wise versions, which the tests hold the vector ones to.
//!
//! A mask has bit `j` set for byte `j` of the 16 bytes it was made from.

use core::arch::x86_64::*;

/// 16 bytes from the start of `p`.
#[target_feature(enable = "sse2")]
#[inline]
pub(crate) fn load(p: &[u8]) -> __m128i {
    let p = &p[..16];
    // SAFETY: `p` holds 16 bytes, and the load has no alignment requirement.
    unsafe { _mm_loadu_si128(p.as_ptr().cast()) }
}

/// The mask of the bytes whose high bit is set (a comparison's "true" bytes).
#[target_feature(enable = "sse2")]
#[inline]
pub(crate) fn bits(v: __m128i) -> u32 {
    _mm_movemask_epi8(v) as u32 & 0xFFFF
}

/// Bytes `x` with `x >= c` (unsigned).
#[target_feature(enable = "sse2")]
#[inline]
pub(crate) fn at_least(x: __m128i, c: u8) -> __m128i {
    _mm_cmpeq_epi8(_mm_max_epu8(x, _mm_set1_epi8(c as i8)), x)
}

/// Bytes `x` with `x <= c` (unsigned).
#[target_feature(enable = "sse2")]
#[inline]
pub(crate) fn at_most(x: __m128i, c: u8) -> __m128i {
    _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(c as i8)), x)
}

/// Bytes `x` with `low <= x <= high` (unsigned).
#[target_feature(enable = "sse2")]
#[inline]
pub(crate) fn between(x: __m128i, low: u8, high: u8) -> __m128i {
    at_most(_mm_sub_epi8(x, _mm_set1_epi8(low as i8)), high - low)
}

/// Bytes equal to `c`.
#[target_feature(enable = "sse2")]
#[inline]
pub(crate) fn equal(x: __m128i, c: u8) -> __m128i {
    _mm_cmpeq_epi8(x, _mm_set1_epi8(c as i8))
}

/// The first bytes of Hangul syllables (U+AC00..=U+D7A3) among 16 bytes of valid UTF-8, given
/// them (`v`) and the same bytes shifted by one (`v1`) and two (`v2`): EB and EC lead only
/// syllables, EA from U+AC00 (second byte B0) and ED up to U+D7A3 (ED 9E A3).
#[target_feature(enable = "sse2")]
#[inline]
pub(crate) fn syllable_leads(v: __m128i, v1: __m128i, v2: __m128i) -> __m128i {
    let ea = _mm_and_si128(equal(v, 0xEA), at_least(v1, 0xB0));
    let ed_below = _mm_or_si128(at_most(v1, 0x9D), _mm_and_si128(equal(v1, 0x9E), at_most(v2, 0xA3)));
    let ed = _mm_and_si128(equal(v, 0xED), ed_below);
    _mm_or_si128(between(v, 0xEB, 0xEC), _mm_or_si128(ea, ed))
}

/// Asks the CPU to bring the cache line of `p` in, without waiting for it.
#[inline]
pub(crate) fn prefetch<T>(p: &T) {
    // SAFETY: SSE is part of x86-64; a prefetch reads nothing that the program sees.
    unsafe { _mm_prefetch::<_MM_HINT_T0>((p as *const T).cast()) }
}
