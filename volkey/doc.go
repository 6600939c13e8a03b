// Package volkey creates, keeps and unlocks the volume master key of a
// walrusfs volume.
//
// walrusfs encrypts everything it stores on Walrus with keys derived from
// one volume master key M: 32 random bytes made by Create. M is never
// written to disk in the clear. The data directory holds it only wrapped,
// as standard age files (age-encryption.org/v1, filippo.io/age), one per
// unlock method. Each file decrypts to exactly the 32 bytes of M.
//
// # Files
//
// Everything lives in <dataDir>/keys (mode 0700). Every file is mode 0600
// and is replaced atomically: a temporary file in the same directory is
// written, synced and renamed, then the directory is synced. Create builds
// the whole directory under a temporary name and renames it into place.
//
//	volume.json     public: format version (1), volume ID (16 random bytes,
//	                hex), creation time, the methods set up, and a key
//	                check value HMAC-SHA256(M, "walrusfs volume key check
//	                v1")[:16] that tells whether an unwrapped key belongs
//	                to this volume. No secret.
//	passphrase.age  M encrypted to an age scrypt recipient (work factor
//	                2^18, age's default, about 1 s per try).
//	recovery.age    M encrypted to the X25519 recipient of the recovery code.
//	wallet.age      M encrypted to the X25519 recipient derived from a wallet.
//	keyfile.age     M encrypted to the X25519 recipient of keyfile.
//	keyfile         an age identity file (as age-keygen writes it).
//
// Methods reports the methods whose .age file exists; Remove deletes one,
// but never the last.
//
// # Methods and what they protect against
//
// Passphrase. scrypt makes each guess cost about a second of CPU and
// 256 MiB of memory. A copy of a wrapping may become public (the volume
// header on Walrus), so the wrapping must withstand offline guessing:
// CheckPassphrase refuses passphrases shorter than 12 characters or with
// a zxcvbn score below 3 of 4, at creation and at change. Passphrases come
// from the terminal (ReadPassphrase, no echo, typed twice when new) or
// from a file (ReadPassphraseFile; the --passphrase-file flag or
// WALRUSFS_PASSPHRASE_FILE for services), whose trailing line ending is
// removed and which draws a warning if group or others may read it.
// ChangePassphrase re-wraps the same M: it is not key rotation, and an
// old copy of passphrase.age still opens with the old passphrase.
//
// Recovery code. Create always makes a random age X25519 identity and
// returns its string form, AGE-SECRET-KEY-1… (74 characters with a
// bech32 checksum, so typos are detected), to be shown once and written
// down; it is not stored. It protects against a forgotten passphrase or a
// lost wallet. Without walrusfs, `age -d -i code.txt keys/recovery.age`
// prints M. ExportRecovery makes a new code and re-wraps M for it; the old
// code then no longer opens the keys directory (but still opens any copy
// of the old recovery.age).
//
// Wallet. A Sui wallet key unlocks the volume, so that the wallet's
// mnemonic is the only secret needed to recover M from wallet.age (which
// is public material, like the volume header). The wallet signs the fixed personal
// message WalletMessage (Sui personal-message signing: intent 03 00 00,
// BCS vector<u8>, blake2b-256, then ed25519 or RFC 6979 ECDSA, all
// deterministic). The 64-byte raw signature (bytes 1 to 64 of the
// serialized signature) is the input key material of HKDF-SHA256 with salt
// "walrusfs wallet unlock v1" and info "age x25519 identity"; the 32-byte
// output is the scalar of an age X25519 identity, to which M is
// encrypted. The message, salt and info are part of the format: changing
// any of them breaks every wallet unlock. The signature is computed
// locally and never sent; it spends nothing. Anyone who can make the
// wallet sign this message (a wallet's "sign message" prompt shows it)
// can unlock the volume, so only sign it for walrusfs.
//
// Key file. An age identity in keys/keyfile, next to the file it opens.
// It protects nothing against someone who has the data directory; it
// exists so that a volume can be mounted without questions (make run,
// tests) while Walrus storage nodes still see only ciphertext.
//
// # Errors and safety
//
// A wrong passphrase gives ErrWrongPassphrase, a wrong recovery code,
// wallet or key file ErrWrongKey, a mistyped recovery code
// ErrMalformedCode, a damaged or truncated file ErrCorrupt naming it.
// Unlocking never writes. Changes take the key from Unlock and check it
// against volume.json before writing (ErrWrongKey otherwise). Key values
// and Unlockers print and log as placeholders; no error carries a key,
// passphrase, code or signature. Changes from several processes at the
// same time are not coordinated: each file is replaced atomically, but
// volume.json's method list may then lag (Methods reads the files).
package volkey
