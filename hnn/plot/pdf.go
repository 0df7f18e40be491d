package plot

import (
	"image"
	"image/color"
	idraw "image/draw"
	"strings"

	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/vgpdf"
)

// pdfCanvas works around three faults of vgpdf (gonum.org/v1/plot v0.17.0):
// it draws images upside down, it darkens translucent colours (it passes
// premultiplied components to go-pdf), and it writes text as UTF-8 bytes
// into fonts it encodes in code page 1252.
type pdfCanvas struct{ *vgpdf.Canvas }

// straight is a colour whose RGBA method returns components that are not
// premultiplied by alpha, which is what vgpdf's SetColor needs.
type straight struct{ c color.NRGBA }

func (s straight) RGBA() (r, g, b, a uint32) {
	return uint32(s.c.R) * 0x101, uint32(s.c.G) * 0x101, uint32(s.c.B) * 0x101, uint32(s.c.A) * 0x101
}

// SetColor implements vg.Canvas.
func (c pdfCanvas) SetColor(clr color.Color) {
	if clr == nil {
		clr = color.Black
	}
	c.Canvas.SetColor(straight{color.NRGBAModel.Convert(clr).(color.NRGBA)})
}

// DrawImage implements vg.Canvas: it hands vgpdf the image flipped.
func (c pdfCanvas) DrawImage(rect vg.Rectangle, img image.Image) {
	c.Canvas.DrawImage(rect, flipped(img))
}

// flipped returns img upside down.
func flipped(img image.Image) *image.NRGBA {
	b := img.Bounds()
	src := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	idraw.Draw(src, src.Bounds(), img, b.Min, idraw.Src)
	dst := image.NewNRGBA(src.Bounds())
	for y := range b.Dy() {
		copy(dst.Pix[dst.PixOffset(0, y):dst.PixOffset(0, y)+4*b.Dx()], src.Pix[src.PixOffset(0, b.Dy()-1-y):])
	}
	return dst
}

// FillString implements vg.Canvas: it writes str in code page 1252.
func (c pdfCanvas) FillString(f font.Face, pt vg.Point, str string) {
	c.Canvas.FillString(f, pt, cp1252(str))
}

// cp1252High maps the runes of code page 1252's bytes 0x80–0x9f.
var cp1252High = map[rune]byte{
	'€': 0x80, '‚': 0x82, 'ƒ': 0x83, '„': 0x84, '…': 0x85, '†': 0x86, '‡': 0x87, 'ˆ': 0x88,
	'‰': 0x89, 'Š': 0x8a, '‹': 0x8b, 'Œ': 0x8c, 'Ž': 0x8e, '‘': 0x91, '’': 0x92, '“': 0x93,
	'”': 0x94, '•': 0x95, '–': 0x96, '—': 0x97, '˜': 0x98, '™': 0x99, 'š': 0x9a, '›': 0x9b,
	'œ': 0x9c, 'ž': 0x9e, 'Ÿ': 0x9f,
}

// cp1252Near spells some runes missing from code page 1252.
var cp1252Near = strings.NewReplacer("−", "-", "≤", "<=", "≥", ">=", "≈", "~", "≠", "!=", "∞", "inf",
	"₀", "0", "₁", "1", "₂", "2", "₃", "3", "⁻", "-")

// cp1252 encodes s in code page 1252, as close as it can ('?' for the rest).
func cp1252(s string) string {
	s = cp1252Near.Replace(s)
	b := make([]byte, 0, len(s))
	for _, r := range s {
		switch hi, ok := cp1252High[r]; {
		case r < 0x80 || r >= 0xa0 && r <= 0xff:
			b = append(b, byte(r))
		case ok:
			b = append(b, hi)
		default:
			b = append(b, '?')
		}
	}
	return string(b)
}
