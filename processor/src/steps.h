// Internal: the pipeline steps after load, each a small function on a lazy VImage.
// process() (pipeline.cpp) runs them in order; libvips evaluates everything at encode.
#pragma once

#include <string>

#include "processor/spec.h"
#include "vips_support.h"

namespace processor::detail {

// --- geometry.cpp: pure arithmetic, sharp's rules -------------------------------------

// How much each axis shrinks (>1) or grows (<1) to honour spec.fit, as sharp's
// ResolveShrink: cover/outside use the smaller factor, contain/inside the larger one,
// fill both independently. Never shrinks an axis below one pixel.
struct Shrink {
  double h = 1.0, v = 1.0;
};
Shrink resolve_shrink(int width, int height, const Spec& spec);

// libjpeg's DCT downscale for a total shrink (sharp, fastShrinkOnLoad): the largest of
// 8/4/2 not above it, one step lower when the shrink's integer part equals it (sharp's
// guard against libjpeg rounding), 1 for none.
int jpeg_shrink_on_load(double shrink);

// Top-left of a centred `inner` window inside `outer` (crop): sharp rounds up.
int centre_crop_offset(int outer, int inner);
// Top-left of a centred `inner` image on an `outer` canvas (embed): sharp rounds down.
int centre_embed_offset(int outer, int inner);

// --- orient.cpp -----------------------------------------------------------------------

// EXIF orientation 1..8 from the header (1 when absent or invalid).
int exif_orientation(const vips::VImage& image);
// True for orientations 5..8, whose display size is the stored size transposed.
bool swaps_axes(int orientation);
// Applies the orientation tag (rotate/mirror) and removes it. Needs random access, so
// run it on the small resized image.
vips::VImage apply_orientation(vips::VImage image);
// Removes the tag without rotating (autorotate off, sharp's default).
vips::VImage drop_orientation(vips::VImage image);

// --- colour.cpp -----------------------------------------------------------------------

// Before resize: embedded ICC profile or CMYK -> sRGB (8-bit), as sharp does, so that
// resampling happens in a device-independent space.
vips::VImage to_srgb_profile(vips::VImage image);
// After resize: whatever is left (grey, 16-bit) -> 8-bit sRGB with 3 bands.
vips::VImage to_srgb8(vips::VImage image);

// --- flatten.cpp ----------------------------------------------------------------------

// Composites any alpha onto `background` and drops the alpha band.
vips::VImage flatten_alpha(vips::VImage image, Rgb background);

// --- resize.cpp -----------------------------------------------------------------------

// vips_resize with lanczos3 by 1/shrink on each axis.
vips::VImage resize(vips::VImage image, Shrink shrink);
// Cover: crop to spec size (centre, or smartcrop for entropy/attention).
// Contain: pad to spec size with the background. Others: unchanged.
vips::VImage crop_or_embed(vips::VImage image, const Spec& spec);

// --- strip.cpp ------------------------------------------------------------------------

// Removes every metadata item (EXIF, XMP, IPTC, ICC, orientation, ...). The savers'
// own `strip` is not enough: libvips 8.14's webpsave still writes the EXIF blob, which
// would carry a stale orientation onto an already-rotated image.
vips::VImage strip_metadata(vips::VImage image);

// --- encode.cpp -----------------------------------------------------------------------

// Encodes with the Spec's format and quality; metadata stripped. Throws VError.
std::string encode(const vips::VImage& image, const Spec& spec);

}  // namespace processor::detail
