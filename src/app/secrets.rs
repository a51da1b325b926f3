//! Sealing destination secrets at rest: ChaCha20-Poly1305 (an AEAD) under the 32-byte key from
//! `SEGWRIGHT_SECRET_KEY`, a fresh random nonce per seal, and the destination kind as associated
//! data, so a sealed value copied to another destination's row does not open. The key is
//! redacted from `Debug` output and never stored.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};

use super::AppError;

/// Bytes of a nonce, stored in front of the ciphertext.
const NONCE_LEN: usize = 12;

/// The key secrets are sealed with.
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

impl SecretKey {
    /// Parse 64 hexadecimal characters (e.g. the output of `openssl rand -hex 32`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let bytes = hex::decode(text.trim())
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok());
        bytes.map(Self).ok_or_else(|| "SEGWRIGHT_SECRET_KEY must be 64 hexadecimal characters (32 bytes), e.g. from `openssl rand -hex 32`".into())
    }

    fn cipher(&self) -> ChaCha20Poly1305 {
        ChaCha20Poly1305::new(&Key::from(self.0))
    }

    /// Seal `plain`, bound to `context`; hex of nonce then ciphertext.
    pub fn seal(&self, context: &str, plain: &[u8]) -> Result<String, AppError> {
        let nonce: [u8; NONCE_LEN] = rand::random();
        let sealed = self
            .cipher()
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plain,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| AppError::Crypto("sealing a secret failed".into()))?;
        Ok(hex::encode([nonce.as_slice(), &sealed].concat()))
    }

    /// Open what [`SecretKey::seal`] sealed for the same `context`.
    pub fn open(&self, context: &str, sealed: &str) -> Result<Vec<u8>, AppError> {
        let unreadable = || {
            AppError::StoredDataUnreadable(format!(
                "the stored secrets of `{context}` cannot be opened with this SEGWRIGHT_SECRET_KEY"
            ))
        };
        let bytes = hex::decode(sealed).map_err(|_| unreadable())?;
        if bytes.len() < NONCE_LEN {
            return Err(unreadable());
        }
        let (nonce, ct) = bytes.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| unreadable())?;
        self.cipher()
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: ct,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| unreadable())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: char) -> SecretKey {
        SecretKey::parse(&byte.to_string().repeat(64)).unwrap()
    }

    #[test]
    fn a_sealed_secret_opens_only_with_the_same_key_and_context() {
        let sealed = key('a').seal("meta", b"tok-123").unwrap();
        assert!(
            !sealed.contains(&hex::encode("tok-123")),
            "the secret is not in the clear"
        );
        assert_eq!(key('a').open("meta", &sealed).unwrap(), b"tok-123");
        assert!(key('b').open("meta", &sealed).is_err(), "another key");
        assert!(
            key('a').open("webhook", &sealed).is_err(),
            "another destination's row"
        );
        assert_ne!(
            sealed,
            key('a').seal("meta", b"tok-123").unwrap(),
            "a fresh nonce each time"
        );
    }

    #[test]
    fn keys_must_be_32_bytes_of_hex_and_never_show_in_debug() {
        assert!(
            SecretKey::parse("short")
                .unwrap_err()
                .contains("64 hexadecimal")
        );
        assert_eq!(format!("{:?}", key('c')), "SecretKey(<redacted>)");
    }
}
