// Package checkpoint saves and restores a GoMLX variable store together with
// caller-defined metadata (architecture, trainer state, random state) in one
// JSON file, written atomically: the file is written to a temporary file in
// the same directory, synced, and renamed over the old one, so a run killed at
// any moment leaves either the previous checkpoint or the new one, never a
// torn file.
//
// Every variable is stored with its path, dtype, dimensions and values;
// float64 values round-trip exactly (Go's JSON encoding writes the shortest
// representation that parses back to the same float64). The file carries
// the SHA-256 of its content, which Read verifies: an edited or damaged
// checkpoint is an error, not a silently different model.
package checkpoint
