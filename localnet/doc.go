// Package localnet runs a whole local storage network inside one data
// directory: walrusfs's default back end, with no configuration. Its
// subpackages are the two halves of that network: node, a storage node
// server, and committee, the blobstore.Store client over a committee of
// nodes.
//
// Layout of the data directory:
//
//	network.json           shard count and the nodes' shard assignment (fixed at creation)
//	nodes/<node-name>/     everything one node stores (see package node)
//	client/repair/         the client's persistent repair queue (see package committee)
//
// Open starts every node in-process on its own 127.0.0.1:0 HTTP listener,
// using the same node code as `walrusfs node`, and returns a
// committee.Client over them. That client calls its own nodes' handlers
// directly (committee.Config.Local: no TCP, the sliver files read straight
// into the response buffer) unless Options.NoLocal is set; the listeners
// still serve anyone else. After Close the nodes abort every request, so
// a stopped node looks the same either way: a transport failure. Deleting
// a node's folder is exactly a lost node; corrupting files in it is
// exactly a lying node: reads survive both as long as p good primary
// slivers remain, and Scrub repairs them.
package localnet
