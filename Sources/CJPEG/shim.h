#ifndef CJPEG_SHIM_H
#define CJPEG_SHIM_H
/* libjpeg(-turbo) reports errors by longjmp from a callback. Swift cannot take part in a
   longjmp, so the whole decode runs in this C function: setjmp, decode, and on an error
   free everything and return the library's message. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <jpeglib.h>

struct biocube_jpeg_error {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
    char warning[JMSG_LENGTH_MAX];
};

static void biocube_jpeg_error_exit(j_common_ptr info) {
    struct biocube_jpeg_error *e = (struct biocube_jpeg_error *)info->err;
    (*info->err->format_message)(info, e->message);
    longjmp(e->jump, 1);
}

static void biocube_jpeg_emit(j_common_ptr info, int level) {
    struct biocube_jpeg_error *e = (struct biocube_jpeg_error *)info->err;
    if (level < 0) {
        /* A warning: corrupt or truncated data that libjpeg would paper over. */
        if (e->base.num_warnings == 0) (*info->err->format_message)(info, e->warning);
        e->base.num_warnings++;
    }
}

/* A progressive JPEG may hold any number of scans, each re-decoding the whole image: a
   1.9 MB file of 3 000 empty scans takes minutes. Like libjpeg-turbo's `-maxscans`, a
   progress monitor stops the decode past BIOCUBE_JPEG_MAX_SCANS (real files have ≤ 20). */
#define BIOCUBE_JPEG_MAX_SCANS 256

struct biocube_jpeg_progress {
    struct jpeg_progress_mgr base;
    struct biocube_jpeg_error *err;
};

static void biocube_jpeg_progress_monitor(j_common_ptr info) {
    struct biocube_jpeg_progress *p = (struct biocube_jpeg_progress *)info->progress;
    if (info->is_decompressor && ((j_decompress_ptr)info)->input_scan_number > BIOCUBE_JPEG_MAX_SCANS) {
        snprintf(p->err->message, JMSG_LENGTH_MAX, "more than %d progressive scans (a hostile file?)",
                 BIOCUBE_JPEG_MAX_SCANS);
        longjmp(p->err->jump, 1);
    }
}

/* Decodes the JPEG in data[0..<size] to 8-bit interleaved RGB. Returns 0 with *pixels
   (malloc'd, width × height × 3 bytes, the caller frees it); 1 when the image has more than
   max_pixels pixels; 2 when the data is corrupt or truncated (message says why); -1 on
   allocation failure. CMYK/YCCK images are converted (Adobe's inverted CMYK recognised).
   With draft_width and draft_height above 0, the image is decoded reduced by the DCT as
   Pillow's Image.draft(mode, (draft_width, draft_height)) does: by the largest of 8, 4, 2, 1
   not above min(width / draft_width, height / draft_height) (integer divisions), with
   libjpeg's default (accurate, fancy-upsampled) decoding. */
static inline int biocube_jpeg_decode_rgb(const unsigned char *data, unsigned long size,
                                          unsigned long long max_pixels, int draft_width,
                                          int draft_height, unsigned char **pixels,
                                          int *width, int *height, char *message,
                                          size_t message_size) {
    struct jpeg_decompress_struct info;
    struct biocube_jpeg_error err;
    unsigned char *volatile out = NULL;
    unsigned char *volatile row = NULL;
    memset(&info, 0, sizeof info);
    info.err = jpeg_std_error(&err.base);
    err.base.error_exit = biocube_jpeg_error_exit;
    err.base.emit_message = biocube_jpeg_emit;
    err.message[0] = 0;
    err.warning[0] = 0;
    *pixels = NULL;
    if (setjmp(err.jump)) {
        jpeg_destroy_decompress(&info);
        free(out);
        free(row);
        snprintf(message, message_size, "%s", err.message);
        return 2;
    }
    jpeg_create_decompress(&info);
    struct biocube_jpeg_progress progress;
    memset(&progress, 0, sizeof progress);
    progress.base.progress_monitor = biocube_jpeg_progress_monitor;
    progress.err = &err;
    info.progress = &progress.base;
    jpeg_mem_src(&info, data, size);
    jpeg_read_header(&info, TRUE);
    int cmyk = info.jpeg_color_space == JCS_CMYK || info.jpeg_color_space == JCS_YCCK;
    info.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
    info.dct_method = JDCT_ISLOW;
    if (draft_width > 0 && draft_height > 0) {
        unsigned int sx = info.image_width / (unsigned int)draft_width;
        unsigned int sy = info.image_height / (unsigned int)draft_height;
        unsigned int scale = sx < sy ? sx : sy;
        unsigned int denom = scale >= 8 ? 8 : scale >= 4 ? 4 : scale >= 2 ? 2 : 1;
        info.scale_num = 1;
        info.scale_denom = denom;
    }
    jpeg_calc_output_dimensions(&info);
    if ((unsigned long long)info.output_width * info.output_height > max_pixels) {
        *width = (int)info.output_width;
        *height = (int)info.output_height;
        jpeg_destroy_decompress(&info);
        return 1;
    }
    jpeg_start_decompress(&info);
    size_t w = info.output_width, h = info.output_height, comps = (size_t)info.output_components;
    out = (unsigned char *)malloc(w * h * 3 + 1);
    row = (unsigned char *)malloc(w * comps + 1);
    if (!out || !row) {
        jpeg_destroy_decompress(&info);
        free(out);
        free(row);
        return -1;
    }
    int inverted = info.saw_Adobe_marker;
    while (info.output_scanline < info.output_height) {
        JSAMPROW r = row;
        size_t line = info.output_scanline;
        if (jpeg_read_scanlines(&info, &r, 1) != 1) break;
        unsigned char *dst = out + line * w * 3;
        if (!cmyk) {
            memcpy(dst, row, w * 3);
        } else {
            for (size_t x = 0; x < w; x++) {
                unsigned int c = row[4 * x], m = row[4 * x + 1], y = row[4 * x + 2], k = row[4 * x + 3];
                if (!inverted) { c = 255 - c; m = 255 - m; y = 255 - y; k = 255 - k; }
                dst[3 * x] = (unsigned char)((c * k + 127) / 255);
                dst[3 * x + 1] = (unsigned char)((m * k + 127) / 255);
                dst[3 * x + 2] = (unsigned char)((y * k + 127) / 255);
            }
        }
    }
    jpeg_finish_decompress(&info);
    long warnings = err.base.num_warnings;
    jpeg_destroy_decompress(&info);
    free(row);
    if (warnings > 0) {
        free(out);
        snprintf(message, message_size, "%s", err.warning);
        return 2;
    }
    *pixels = out;
    *width = (int)w;
    *height = (int)h;
    return 0;
}
#endif
