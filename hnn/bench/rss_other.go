//go:build !unix

package bench

import "errors"

func maxRSS() (int64, error) {
	return 0, errors.New("bench: peak memory is measured on Unix systems only")
}
