/* fuzz_driver.c - runs a libFuzzer target without libFuzzer, so that every fuzz target is
 * exercised by the normal test suite: each file of the corpus directories given on the command
 * line, then N pseudo-random mutations of them (byte flips, truncations, insertions, splices),
 * deterministic for a seed. Real fuzzing: build with -DVIGIL_FUZZ=ON (clang, -fsanitize=fuzzer). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
    uint8_t *data;
    size_t len;
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void load_dir(const char *dir, struct input **inputs, size_t *n)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        uint8_t *buf = malloc(1 << 20);
        size_t len = buf ? fread(buf, 1, 1 << 20, f) : 0;
        fclose(f);
        *inputs = realloc(*inputs, (*n + 1) * sizeof(**inputs));
        (*inputs)[(*n)++] = (struct input){buf, len};
    }
    closedir(d);
}

int main(int argc, char **argv)
{
    struct input *inputs = NULL;
    size_t n = 0;
    long iterations = 20000;
    for (int i = 1; i < argc; i++) {
        if (!strncmp(argv[i], "-runs=", 6))
            iterations = strtol(argv[i] + 6, NULL, 10);
        else if (!strncmp(argv[i], "-seed=", 6))
            rng_state = strtoull(argv[i] + 6, NULL, 10) | 1;
        else
            load_dir(argv[i], &inputs, &n);
    }
    for (size_t i = 0; i < n; i++)
        LLVMFuzzerTestOneInput(inputs[i].data, inputs[i].len);
    uint8_t *m = malloc(1 << 21);
    for (long it = 0; it < iterations && m; it++) {
        size_t len = 0;
        if (n) {
            struct input *src = &inputs[rng() % n];
            len = src->len;
            memcpy(m, src->data, len);
        }
        int edits = 1 + (int)(rng() % 8);
        for (int e = 0; e < edits; e++) {
            switch (rng() % 6) {
            case 0: if (len) m[rng() % len] ^= (uint8_t)(1u << (rng() % 8)); break;
            case 1: if (len) m[rng() % len] = (uint8_t)rng(); break;
            case 2: if (len) len = rng() % len; break;
            case 3: if (len < (1 << 20)) { size_t at = len ? rng() % len : 0;
                    memmove(m + at + 1, m + at, len - at); m[at] = (uint8_t)rng(); len++; } break;
            case 4: if (n && len < (1 << 20)) { struct input *o = &inputs[rng() % n];
                    size_t take = o->len ? rng() % o->len : 0; if (len + take < (1 << 21)) {
                    memcpy(m + len, o->data, take); len += take; } } break;
            case 5: if (len) { static const uint8_t interesting[] = {0, 0x7f, 0x80, 0xff};
                    m[rng() % len] = interesting[rng() % 4]; } break;
            }
        }
        LLVMFuzzerTestOneInput(m, len);
    }
    free(m);
    for (size_t i = 0; i < n; i++)
        free(inputs[i].data);
    free(inputs);
    printf("fuzz driver: %zu corpus inputs, %ld mutations, no crash\n", n, iterations);
    return 0;
}
