package main

import (
	"strings"
	"testing"
)

func TestReproduceUsageErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"reproduce"}, "--out"},
		{[]string{"reproduce", "--systems", "nope", "--out", t.TempDir()}, `unknown name "nope"`},
		{[]string{"reproduce", "--models", "this-work,lstm", "--out", t.TempDir()}, `unknown name "lstm"`},
		{[]string{"reproduce", "--systems", ",", "--out", t.TempDir()}, "empty list"},
		{[]string{"reproduce", "--seeds", "-1", "--out", t.TempDir()}, "--seeds"},
		{[]string{"reproduce", "--dt", "-0.1", "--out", t.TempDir()}, "--dt: must be in (0, 1]"},
		{[]string{"reproduce", "--dt", "2", "--out", t.TempDir()}, "--dt: must be in (0, 1]"},
		{[]string{"reproduce", "--bogus"}, "flag provided but not defined"},
		{[]string{"reproduce", "--redraw", "--out", t.TempDir()}, "--redraw"},
		{[]string{"reproduce", "--budget", "--out", t.TempDir()}, "--budget needs --dt"},
		{[]string{"reproduce", "--budget", "--dt", "0.1", "--shard", "0/2", "--out", t.TempDir()}, "--budget does not combine"},
	}
	for _, tc := range cases {
		code, _, stderr := runHNN(t, tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("hnn %s: exit %d, stderr %q; want exit 2 mentioning %q", strings.Join(tc.args, " "), code, stderr, tc.want)
		}
	}
}
