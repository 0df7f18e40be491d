package plot

import (
	"image"
	"image/color"
	"testing"
)

func TestCP1252(t *testing.T) {
	for in, want := range map[string]string{
		"plain":       "plain",
		"log–log":     "log\x96log",
		"60×60, é":    "60\xd760, \xe9",
		"−1 ≤ x":      "-1 <= x",
		"|ΔH| of H_θ": "|?H| of H_?",
	} {
		if got := cp1252(in); got != want {
			t.Errorf("cp1252(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStraightAndFlip(t *testing.T) {
	r, g, b, a := straight{color.NRGBA{200, 100, 50, 128}}.RGBA()
	if r>>8 != 200 || g>>8 != 100 || b>>8 != 50 || a>>8 != 128 {
		t.Errorf("straight RGBA = %d %d %d %d", r>>8, g>>8, b>>8, a>>8)
	}
	img := image.NewNRGBA(image.Rect(0, 0, 1, 2))
	img.Set(0, 0, color.NRGBA{255, 0, 0, 255})
	img.Set(0, 1, color.NRGBA{0, 0, 255, 255})
	f := flipped(img)
	if f.NRGBAAt(0, 0).B != 255 || f.NRGBAAt(0, 1).R != 255 {
		t.Errorf("flipped image rows: %v %v", f.NRGBAAt(0, 0), f.NRGBAAt(0, 1))
	}
}
