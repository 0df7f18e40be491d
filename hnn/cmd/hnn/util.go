package main

import (
	"errors"
	"flag"
	"sort"

	"github.com/hnnlab/hnnlab/hnn"
)

type flagT = flag.Flag

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// specUsage turns an invalid spec into a usage error naming the flag that
// sets the field (the flags carry the fields' JSON names).
func specUsage(err error) error {
	var fe *hnn.FieldError
	if errors.As(err, &fe) {
		return usagef("--%s: %v", fe.Field, fe.Err)
	}
	return asUsage(err)
}
