#ifndef CSOXR_SHIM_H
#define CSOXR_SHIM_H
// libsoxr, the SoX resampler: the resampler behind librosa.load (through python-soxr).
#include <stddef.h>
#include <soxr.h>

/* soxr's 'high quality' recipe (20-bit), python-soxr's and librosa's default. */
static const unsigned long biocube_soxr_hq = SOXR_HQ;

/* Resamples mono float32 `in` (ilen samples) from `irate` to `orate` Hz at soxr's
   quality `recipe` (SOXR_HQ for librosa's default "soxr_hq"), the way python-soxr's
   resample() does: one soxr stream, the input fed in pieces of 48000·irate/orate samples,
   then flushed. Writes at most `olen` samples to `out` and their count to `odone`. Returns
   NULL or soxr's error text. */
static inline const char *biocube_soxr_resample(const float *in, size_t ilen, double irate, double orate,
                                                unsigned long recipe, float *out, size_t olen, size_t *odone) {
    soxr_error_t err = NULL;
    soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
    soxr_quality_spec_t quality = soxr_quality_spec(recipe, 0);
    soxr_runtime_spec_t runtime = soxr_runtime_spec(1);
    soxr_t s = soxr_create(irate, orate, 1, &err, &io, &quality, &runtime);
    if (err) return err;
    size_t chunk = (size_t)(48000 * irate / orate);
    if (chunk == 0) chunk = 1;
    size_t pos = 0, done = 0;
    for (size_t i = 0; i < ilen && !err; i += chunk) {
        size_t n = ilen - i < chunk ? ilen - i : chunk;
        err = soxr_process(s, in + i, n, NULL, out + pos, olen - pos, &done);
        pos += done;
    }
    if (!err) {
        err = soxr_process(s, NULL, 0, NULL, out + pos, olen - pos, &done);
        pos += done;
    }
    soxr_delete(s);
    *odone = pos;
    return err;
}
#endif
