// Package certificate builds and checks Walrus storage certificates.
//
// A storage node that holds all slivers of a blob answers
// GET /v1/blobs/{id}/confirmation/{permanent|deletable/{object}} with a
// signed storage confirmation (DecodeResponse, EncodeResponse). The signed
// bytes are the BCS ProtocolMessage built by Message:
//
//	01 00 03            intent BLOB_CERT_MSG, version 0, app id 3
//	epoch               u32 little endian
//	blob_id             32 bytes
//	00                  permanent, or
//	01 object_id        deletable, with the Blob object's 32-byte ID
//
// Signatures are BLS12-381 "min-pk": public keys are G1 points (48 bytes
// compressed), signatures G2 points (96 bytes compressed), messages are
// hashed to G2 with the DST BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_
// (the basic scheme; the committee's keys carry proofs of possession on
// chain, which is what makes same-message aggregation safe).
//
// Build keeps the confirmations whose message is byte-equal to the
// expected one and whose signature verifies against the member's key,
// aggregates them (the sum of the G2 points) and returns the certificate
// that system::certify_blob takes: the aggregate signature, the signers
// bitmap (bit i%8 of byte i/8 is committee member i) and the message.
// The committee order is the order of the on-chain BlsCommittee members
// and a member's weight is its number of shards. A certificate is valid
// when the signers hold a quorum of the shards: 3*weight >= 2*n_shards+1
// (IsQuorum). Note that the TypeScript SDK's local pre-check counts nodes
// instead of shards; the contract counts shards, and so does this package.
//
// Check is the on-chain verification (bls_aggregate.move,
// verify_certificate_and_weight) for a simulated chain: the same order of
// checks and the same abort codes.
//
// Pitfalls:
//   - Build verifies the aggregate once and, only when that fails, finds
//     the bad confirmations by verifying halves of the set. Two colluding
//     members could submit individually invalid signatures whose sum is
//     valid; if they land in a group that verifies, the certificate is
//     still valid on chain, which is all that matters.
//   - A certificate is bound to an epoch: certify_blob aborts with
//     EInvalidIdEpoch when the message's epoch is not the current one.
//   - All byte slices returned are fresh copies; inputs are not retained.
package certificate
