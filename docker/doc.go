// Package docker holds no code: its test checks docker/Dockerfile and
// docker/compose.yaml (which cannot be built on the CI machines) against the
// repository and the README — the base image is pinned, the paths they
// mount and open exist, the versions agree with go.mod and .ci/notebooks,
// and the commands the README gives match them.
package docker
