#ifndef CPNG_SHIM_H
#define CPNG_SHIM_H
/* libpng reports errors by longjmp (png_jmpbuf). Swift cannot take part in a longjmp, so
   the whole decode runs in this C function and returns the library's message instead. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <png.h>

struct biocube_png_source {
    const unsigned char *data;
    size_t size;
    size_t offset;
    char message[256];
};

static void biocube_png_read(png_structp png, png_bytep out, size_t count) {
    struct biocube_png_source *s = (struct biocube_png_source *)png_get_io_ptr(png);
    if (count > s->size - s->offset) png_error(png, "file ends before the image data does (truncated)");
    memcpy(out, s->data + s->offset, count);
    s->offset += count;
}

static void biocube_png_error(png_structp png, png_const_charp text) {
    struct biocube_png_source *s = (struct biocube_png_source *)png_get_error_ptr(png);
    snprintf(s->message, sizeof s->message, "%s", text);
    png_longjmp(png, 1);
}

static void biocube_png_warning(png_structp png, png_const_charp text) { (void)png; (void)text; }

/* Decodes the PNG in data[0..<size] to 8-bit interleaved RGB: palette and grey expanded,
   16-bit samples scaled (rounded) to 8 bits, alpha dropped (the colour values are kept, as
   Pillow's convert("RGB") does), no gamma correction. Returns 0 with *pixels (malloc'd,
   width × height × 3, the caller frees it); 1 when larger than max_pixels; 2 when corrupt
   or truncated (message says why); -1 on allocation failure. */
static inline int biocube_png_decode_rgb(const unsigned char *data, size_t size,
                                         unsigned long long max_pixels, unsigned char **pixels,
                                         int *width, int *height, char *message,
                                         size_t message_size) {
    struct biocube_png_source src = {data, size, 0, {0}};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &src, biocube_png_error,
                                             biocube_png_warning);
    if (!png) return -1;
    png_infop info = png_create_info_struct(png);
    unsigned char *volatile out = NULL;
    png_bytep *volatile rows = NULL;
    *pixels = NULL;
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return -1;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        free(out);
        free(rows);
        snprintf(message, message_size, "%s", src.message);
        return 2;
    }
    png_set_read_fn(png, &src, biocube_png_read);
    png_read_info(png, info);
    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    *width = (int)w;
    *height = (int)h;
    if ((unsigned long long)w * h > max_pixels) {
        png_destroy_read_struct(&png, &info, NULL);
        return 1;
    }
    int type = png_get_color_type(png, info);
    if (type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (type == PNG_COLOR_TYPE_GRAY && png_get_bit_depth(png, info) < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (type == PNG_COLOR_TYPE_GRAY || type == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(png);
    png_set_scale_16(png);
    png_set_strip_alpha(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    if (png_get_rowbytes(png, info) != (size_t)w * 3) {
        snprintf(message, message_size, "unexpected row layout after conversion to RGB");
        png_destroy_read_struct(&png, &info, NULL);
        return 2;
    }
    out = (unsigned char *)malloc((size_t)w * h * 3 + 1);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * ((size_t)h + 1));
    if (!out || !rows) {
        png_destroy_read_struct(&png, &info, NULL);
        free(out);
        free(rows);
        return -1;
    }
    for (size_t y = 0; y < h; y++) rows[y] = out + y * (size_t)w * 3;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    free(rows);
    *pixels = out;
    return 0;
}
#endif
