//! HMAC-SHA256 over the SHA-256 block function, from the inner and outer states of a key
//! computed once, for the verifier's hot path.
//!
//! `hmac::Hmac` keyed once and cloned per message does the same work, but each message then
//! copies its whole state (two hash cores and a block buffer) and goes through the generic
//! buffering and finalisation of `digest`: at a small body those cost about as much as the
//! hashing. Here a message costs the copy of one 32-byte state, its blocks, and one block for
//! the outer hash. Signing keeps using `hmac`, so every test that signs with a secret and
//! verifies the result checks this code against an independent implementation (and
//! `tests::matches_the_hmac_crate` compares the two directly).

use sha2::{Digest, block_api::compress256};
use zeroize::{Zeroize, Zeroizing};

use crate::SIGNATURE_LEN;

/// SHA-256's initial state (FIPS 180-4, 5.3.3).
const IV: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

const BLOCK: usize = 64;

/// The states after one block of `key ^ ipad` and of `key ^ opad`. They stand for the key
/// (anyone holding them can compute MACs), so they are zeroed on drop.
#[derive(Clone)]
pub(crate) struct KeyedStates {
    inner: [u32; 8],
    outer: [u32; 8],
}

impl Drop for KeyedStates {
    fn drop(&mut self) {
        self.inner.zeroize();
        self.outer.zeroize();
    }
}

impl KeyedStates {
    /// The states of `key` (RFC 2104: a key longer than a block is hashed first).
    pub(crate) fn new(key: &[u8]) -> Self {
        let mut block = Zeroizing::new([0u8; BLOCK]);
        if key.len() > BLOCK {
            block[..32].copy_from_slice(&sha2::Sha256::digest(key));
        } else {
            block[..key.len()].copy_from_slice(key);
        }
        let state_after = |pad: u8| {
            let mut padded = Zeroizing::new([0u8; BLOCK]);
            for (p, k) in padded.iter_mut().zip(block.iter()) {
                *p = k ^ pad;
            }
            let mut state = IV;
            compress256(&mut state, std::slice::from_ref(&*padded));
            state
        };
        Self {
            inner: state_after(0x36),
            outer: state_after(0x5c),
        }
    }

    /// HMAC-SHA256 of the concatenation of `parts`.
    pub(crate) fn tag(&self, parts: &[&[u8]]) -> [u8; SIGNATURE_LEN] {
        let mut inner = Hasher::from_state(self.inner);
        for part in parts {
            inner.update(part);
        }
        let digest = inner.finish();
        // The outer hash is one block: the key block before it, then the inner digest, its
        // padding and its length in bits ((64 + 32) * 8).
        let mut block = [0u8; BLOCK];
        block[..SIGNATURE_LEN].copy_from_slice(&digest);
        block[SIGNATURE_LEN] = 0x80;
        block[BLOCK - 8..].copy_from_slice(&((BLOCK + SIGNATURE_LEN) as u64 * 8).to_be_bytes());
        let mut outer = Hasher::from_state(self.outer);
        compress256(&mut outer.state, std::slice::from_ref(&block));
        outer.output()
    }
}

/// SHA-256 resumed after one block (the padded key), over a message given in parts.
struct Hasher {
    state: [u32; 8],
    buf: [u8; BLOCK],
    fill: usize,
    /// Bytes hashed so far, the key block included.
    len: u64,
}

impl Drop for Hasher {
    fn drop(&mut self) {
        // The state is derived from the key; the buffer holds only message bytes.
        self.state.zeroize();
    }
}

impl Hasher {
    fn from_state(state: [u32; 8]) -> Self {
        Self {
            state,
            buf: [0; BLOCK],
            fill: 0,
            len: BLOCK as u64,
        }
    }

    fn update(&mut self, mut data: &[u8]) {
        self.len += data.len() as u64;
        if self.fill > 0 {
            let take = (BLOCK - self.fill).min(data.len());
            let (head, rest) = data.split_at(take);
            self.buf[self.fill..self.fill + take].copy_from_slice(head);
            self.fill += take;
            data = rest;
            if self.fill < BLOCK {
                return;
            }
            compress256(&mut self.state, std::slice::from_ref(&self.buf));
            self.fill = 0;
        }
        let (blocks, rest) = data.as_chunks::<BLOCK>();
        if !blocks.is_empty() {
            compress256(&mut self.state, blocks);
        }
        self.buf[..rest.len()].copy_from_slice(rest);
        self.fill = rest.len();
    }

    fn finish(mut self) -> [u8; SIGNATURE_LEN] {
        let bits = self.len.wrapping_mul(8);
        let fill = self.fill;
        self.buf[fill] = 0x80;
        self.buf[fill + 1..].fill(0);
        if fill + 1 > BLOCK - 8 {
            compress256(&mut self.state, std::slice::from_ref(&self.buf));
            self.buf.fill(0);
        }
        self.buf[BLOCK - 8..].copy_from_slice(&bits.to_be_bytes());
        compress256(&mut self.state, std::slice::from_ref(&self.buf));
        self.output()
    }

    /// The state as the digest's bytes.
    fn output(&self) -> [u8; SIGNATURE_LEN] {
        let mut out = [0u8; SIGNATURE_LEN];
        for (chunk, word) in out.chunks_exact_mut(4).zip(self.state) {
            chunk.copy_from_slice(&word.to_be_bytes());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use hmac::{KeyInit, Mac};
    use proptest::prelude::*;

    use super::*;

    fn reference(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
        let mut mac = crate::HmacSha256::new_from_slice(key).unwrap();
        for part in parts {
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }

    #[test]
    fn rfc_4231_test_case_2() {
        let tag = KeyedStates::new(b"Jefe").tag(&[b"what do ya want ", b"for nothing?"]);
        let expected = [
            0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24, 0x26, 0x08, 0x95,
            0x75, 0xc7, 0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9,
            0x64, 0xec, 0x38, 0x43,
        ];
        assert_eq!(tag, expected);
    }

    proptest! {
        #[test]
        fn matches_the_hmac_crate(
            key in proptest::collection::vec(any::<u8>(), 1..200),
            parts in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 0..6),
        ) {
            let parts: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
            prop_assert_eq!(KeyedStates::new(&key).tag(&parts), reference(&key, &parts));
        }
    }

    #[test]
    fn every_length_across_block_boundaries() {
        let key = [7u8; 32];
        let data: Vec<u8> = (0..=255u8).cycle().take(300).collect();
        let states = KeyedStates::new(&key);
        for len in 0..data.len() {
            let (a, b) = data[..len].split_at(len / 3);
            assert_eq!(
                states.tag(&[a, b]),
                reference(&key, &[&data[..len]]),
                "{len}"
            );
        }
    }
}
