package bench

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// PeakRSS returns the peak resident set size of this process in bytes: VmHWM
// from /proc/self/status where there is one (Linux), else getrusage's
// ru_maxrss.
func PeakRSS() (int64, error) {
	if f, err := os.Open("/proc/self/status"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
				fields := strings.Fields(rest)
				if len(fields) == 2 && fields[1] == "kB" {
					kb, err := strconv.ParseInt(fields[0], 10, 64)
					if err == nil {
						return kb * 1024, nil
					}
				}
				return 0, fmt.Errorf("bench: cannot parse VmHWM line %q", sc.Text())
			}
		}
	}
	return maxRSS()
}
