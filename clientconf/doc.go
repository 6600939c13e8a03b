// Package clientconf reads and writes the configuration files of the
// official Walrus and Sui command-line tools, so that walrusfs uses the
// same network, wallet and address as a working `walrus` CLI.
//
// Two files are involved:
//
//   - The Walrus client configuration, client_config.yaml (MystenLabs/walrus
//     crates/walrus-sdk/src/config.rs: ClientConfig, MultiClientConfig;
//     crates/walrus-sui/src/client/contract_config.rs: ContractConfig;
//     crates/walrus-sui/src/config.rs: WalletConfig; examples in
//     setup/client_config.yaml and setup/client_config_{testnet,mainnet}.yaml).
//     It comes in two forms. The single-context form has the keys at the
//     top level (system_object, staking_object, n_shards, max_epochs_ahead,
//     exchange_objects, wallet_config, rpc_urls, ...). The multi-context
//     form has `contexts:` (name -> the same keys) and `default_context:`.
//     As in the walrus CLI, a file with system_object at the top level is
//     the single-context form (serde's untagged enum tries it first).
//   - The Sui wallet configuration, client.yaml (MystenLabs/sui
//     crates/sui-sdk/src/sui_client_config.rs: SuiClientConfig{keystore,
//     envs, active_env, active_address}; crates/sui-keys/src/keystore.rs:
//     Keystore::File(path) serialised as `keystore: {File: PATH}`).
//
// Find looks for client_config.yaml where the walrus CLI does; Load reads
// one context; Resolve follows its wallet_config to the Sui client.yaml and
// picks the RPC URL, keystore and address a writer signs with. WriteWalrus
// and WriteSui produce files both this package and the official tools read
// (the local devnet uses them).
//
// Pitfalls:
//
//   - Unknown keys are ignored (real files carry communication_config,
//     refresh_config and many more), but a known key with the wrong type is
//     an error naming the file and line.
//   - A context whose system_object and staking_object are those of Walrus
//     testnet or mainnet gets that network's built-in defaults for the keys
//     it leaves out (n_shards, max_epochs_ahead, exchange_objects,
//     rpc_urls), as the walrus CLI merges its embedded
//     setup/client_config_<network>.yaml under the user's values
//     (load_multi_config_with_defaults).
//   - Relative paths (wallet_config.path, the Sui keystore) are taken
//     relative to the file that names them, not to the current directory
//     as the Rust tools do: walrusfs runs as a daemon whose directory is
//     not the user's shell's. "~/" is the home directory, as in both tools.
//   - Nothing here reads private keys: Resolved.Keystore is only a path.
package clientconf
