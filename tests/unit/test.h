/* test.h - the minimal harness of the unit tests: CHECK macros that report file:line and keep
 * going, and a main that runs the listed test functions and exits non-zero on any failure.
 * Each tests/unit/test_*.c defines its tests and ends with TEST_MAIN(...). */
#ifndef VIGIL_TEST_H
#define VIGIL_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_failures;
static int test_checks;

#define CHECK(cond)                                                                           \
    do {                                                                                      \
        test_checks++;                                                                        \
        if (!(cond)) {                                                                        \
            test_failures++;                                                                  \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);          \
        }                                                                                     \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                    \
    do {                                                                                      \
        long long _a = (long long)(a), _b = (long long)(b);                                   \
        test_checks++;                                                                        \
        if (_a != _b) {                                                                       \
            test_failures++;                                                                  \
            fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__, #a,  \
                    #b, _a, _b);                                                              \
        }                                                                                     \
    } while (0)

#define CHECK_EQ_STR(a, b)                                                                    \
    do {                                                                                      \
        const char *_a = (a), *_b = (b);                                                      \
        test_checks++;                                                                        \
        if (!_a || !_b || strcmp(_a, _b) != 0) {                                              \
            test_failures++;                                                                  \
            fprintf(stderr, "%s:%d: %s == %s failed: \"%s\" != \"%s\"\n", __FILE__, __LINE__,  \
                    #a, #b, _a ? _a : "(null)", _b ? _b : "(null)");                          \
        }                                                                                     \
    } while (0)

typedef void (*test_fn)(void);
struct test_case {
    const char *name;
    test_fn fn;
};
#define TEST(fn) {#fn, fn}

static inline int test_run(const struct test_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int before = test_failures;
        cases[i].fn();
        printf("%s %s\n", test_failures == before ? "ok  " : "FAIL", cases[i].name);
    }
    printf("%d checks, %d failed\n", test_checks, test_failures);
    return test_failures ? 1 : 0;
}

#define TEST_MAIN(...)                                                                        \
    int main(void)                                                                            \
    {                                                                                         \
        static const struct test_case cases[] = {__VA_ARGS__};                                \
        return test_run(cases, sizeof(cases) / sizeof(cases[0]));                             \
    }

#endif
