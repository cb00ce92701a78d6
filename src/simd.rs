//! Byte masks for the scans that every character of an article passes through (word starts,
//! the normalization fast path, JSON strings): 16 bytes at a time with SSE2, part of every
//! x86-64 CPU, and 32 at a time with AVX2 ([`wide`]) for callers that check the CPU has it.
//! Other targets use the character-wise versions, which the tests hold the vector ones to.
//!
//! A mask has bit `j` set for byte `j` of the bytes it was made from.

use core::arch::x86_64::*;

/// The byte-class operations on one vector type; each needs `$feature`.
macro_rules! byte_masks {
    ($feature:literal, $vector:ty, $bytes:literal, $loadu:ident, $movemask:ident, $cmpeq:ident, $max:ident,
     $min:ident, $sub:ident, $set1:ident, $and:ident, $or:ident) => {
        #[doc = concat!($bytes, " bytes from the start of `p`.")]
        #[target_feature(enable = $feature)]
        #[inline]
        pub(crate) fn load(p: &[u8]) -> $vector {
            let p = &p[..$bytes];
            // SAFETY: `p` holds as many bytes as the load reads, and it needs no alignment.
            unsafe { $loadu(p.as_ptr().cast()) }
        }

        /// The mask of the bytes whose high bit is set (a comparison's "true" bytes).
        #[target_feature(enable = $feature)]
        #[inline]
        pub(crate) fn bits(v: $vector) -> u32 {
            ($movemask(v) as u32) & (u32::MAX >> (32 - $bytes))
        }

        /// Bytes `x` with `x >= c` (unsigned).
        #[target_feature(enable = $feature)]
        #[inline]
        pub(crate) fn at_least(x: $vector, c: u8) -> $vector {
            $cmpeq($max(x, $set1(c as i8)), x)
        }

        /// Bytes `x` with `x <= c` (unsigned).
        #[target_feature(enable = $feature)]
        #[inline]
        pub(crate) fn at_most(x: $vector, c: u8) -> $vector {
            $cmpeq($min(x, $set1(c as i8)), x)
        }

        /// Bytes `x` with `low <= x <= high` (unsigned).
        #[target_feature(enable = $feature)]
        #[inline]
        pub(crate) fn between(x: $vector, low: u8, high: u8) -> $vector {
            at_most($sub(x, $set1(low as i8)), high - low)
        }

        /// Bytes equal to `c`.
        #[target_feature(enable = $feature)]
        #[inline]
        pub(crate) fn equal(x: $vector, c: u8) -> $vector {
            $cmpeq(x, $set1(c as i8))
        }

        /// The first bytes of Hangul syllables (U+AC00..=U+D7A3) among bytes of valid UTF-8,
        /// given them (`v`) and the same bytes shifted by one (`v1`) and two (`v2`): EB and EC
        /// lead only syllables, EA from U+AC00 (second byte B0) and ED up to U+D7A3 (ED 9E A3).
        #[target_feature(enable = $feature)]
        #[inline]
        pub(crate) fn syllable_leads(v: $vector, v1: $vector, v2: $vector) -> $vector {
            let ea = $and(equal(v, 0xEA), at_least(v1, 0xB0));
            let ed_below = $or(at_most(v1, 0x9D), $and(equal(v1, 0x9E), at_most(v2, 0xA3)));
            let ed = $and(equal(v, 0xED), ed_below);
            $or(between(v, 0xEB, 0xEC), $or(ea, ed))
        }
    };
}

byte_masks!(
    "sse2",
    __m128i,
    16,
    _mm_loadu_si128,
    _mm_movemask_epi8,
    _mm_cmpeq_epi8,
    _mm_max_epu8,
    _mm_min_epu8,
    _mm_sub_epi8,
    _mm_set1_epi8,
    _mm_and_si128,
    _mm_or_si128
);

/// Whether the CPU has AVX2, for the callers of [`wide`] (a cached check). Tests can turn it
/// off ([`without_avx2`]) to hold the SSE2 paths to the same answers on CPUs that have it.
#[inline]
pub(crate) fn avx2() -> bool {
    #[cfg(test)]
    if NO_AVX2.with(std::cell::Cell::get) {
        return false;
    }
    std::arch::is_x86_feature_detected!("avx2")
}

#[cfg(test)]
thread_local! {
    static NO_AVX2: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with [`avx2`] saying no on this thread.
#[cfg(test)]
pub(crate) fn without_avx2<T>(f: impl FnOnce() -> T) -> T {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            NO_AVX2.with(|no| no.set(false));
        }
    }
    NO_AVX2.with(|no| no.set(true));
    let _reset = Reset;
    f()
}

/// The same masks, 32 bytes at a time with AVX2, for the callers that check the CPU has it.
pub(crate) mod wide {
    use core::arch::x86_64::*;

    byte_masks!(
        "avx2",
        __m256i,
        32,
        _mm256_loadu_si256,
        _mm256_movemask_epi8,
        _mm256_cmpeq_epi8,
        _mm256_max_epu8,
        _mm256_min_epu8,
        _mm256_sub_epi8,
        _mm256_set1_epi8,
        _mm256_and_si256,
        _mm256_or_si256
    );
}

/// Asks the CPU to bring the cache line of `p` in, without waiting for it.
#[inline]
pub(crate) fn prefetch<T>(p: &T) {
    // SAFETY: SSE is part of x86-64; a prefetch reads nothing that the program sees.
    unsafe { _mm_prefetch::<_MM_HINT_T0>((p as *const T).cast()) }
}
