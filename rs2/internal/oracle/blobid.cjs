// The real Walrus encoder as a whole command, like `walrusfs blob-id`:
// reads one file and prints its blob ID (hex). Used to time both tools as
// whole processes, start-up and file reading included.
// usage: node blobid.cjs MODULE_DIR N FILE
'use strict';
const fs = require('fs');
const path = require('path');
const [moduleDir, nArg, file] = process.argv.slice(2);
const { BlobEncoder } = require(path.join(moduleDir, 'node_modules', '@mysten', 'walrus-wasm'));
const enc = new BlobEncoder(Number(nArg));
const [id] = enc.compute_metadata(new Uint8Array(fs.readFileSync(file)));
console.log(Buffer.from(id).toString('hex'));
