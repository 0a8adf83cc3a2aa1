/* parse_java.c - what the inventory reads about Java: the class path of a JVM's command line
 * (-cp, -classpath, --class-path, -jar, and CLASSPATH), Java properties files (pom.properties),
 * and a JAR's name and version from its Maven coordinates, its manifest, or its file name. */
#include <ctype.h>
#include <string.h>

#include "agent/inventory/inv_text.h"
#include "agent/inventory/parsers.h"
#include "common/util.h"

/* Split a class path (':'-separated) and hand every entry over. */
static void split_path(const char *cp, size_t len, void (*each)(void *ctx, const char *entry),
                       void *ctx)
{
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && cp[i] != ':')
            continue;
        if (i > start) {
            char e[4096];
            inv_copy(e, sizeof(e), cp + start, i - start);
            each(ctx, e);
        }
        start = i + 1;
    }
}

int parse_java_args(const char *args, size_t len, const char *classpath_env,
                    void (*each)(void *ctx, const char *entry), void *ctx)
{
    static const char *const cp_opts[] = {"-cp", "-classpath", "--class-path", NULL};
    static const char *const value_opts[] = {
        "-p", "--module-path", "--upgrade-module-path", "--add-modules", "--add-exports",
        "--add-opens", "--add-reads", "--patch-module", "--limit-modules",
        "--enable-native-access", NULL,
    };
    bool explicit_cp = false, jar = false, next_cp = false, next_value = false, next_jar = false;
    size_t pos = 0;
    int argc = 0;
    while (pos < len) {
        const char *a = args + pos;
        size_t al = strnlen(a, len - pos);
        pos += al + 1;
        if (argc++ == 0)
            continue; /* the java binary itself */
        char e[4096];
        if (next_jar) {
            each(ctx, inv_copy(e, sizeof(e), a, al));
            jar = true;
            break; /* what follows are the program's arguments */
        }
        if (next_cp) {
            split_path(a, al, each, ctx);
            explicit_cp = true;
            next_cp = false;
            continue;
        }
        if (next_value) {
            next_value = false;
            continue;
        }
        inv_copy(e, sizeof(e), a, al);
        bool is_cp = false, is_value = false;
        for (size_t i = 0; cp_opts[i]; i++)
            is_cp = is_cp || !strcmp(e, cp_opts[i]);
        for (size_t i = 0; value_opts[i]; i++)
            is_value = is_value || !strcmp(e, value_opts[i]);
        if (!strcmp(e, "-jar"))
            next_jar = true;
        else if (is_cp)
            next_cp = true;
        else if (is_value)
            next_value = true;
        else if (!strncmp(e, "--class-path=", 13)) {
            split_path(a + 13, al - 13, each, ctx);
            explicit_cp = true;
        } else if (!strncmp(e, "-Djava.class.path=", 18)) {
            split_path(a + 18, al - 18, each, ctx);
            explicit_cp = true;
        } else if (e[0] != '-' || !strcmp(e, "-m") || !strcmp(e, "--module")) {
            break; /* the main class (or module) ends the JVM's options */
        }
    }
    /* without -cp or -jar the JVM uses CLASSPATH */
    if (!explicit_cp && !jar && classpath_env)
        split_path(classpath_env, strlen(classpath_env), each, ctx);
    return argc;
}

int parse_properties(const char *text, size_t len,
                     void (*each)(void *ctx, const char *key, const char *value), void *ctx)
{
    size_t pos = 0, ll;
    const char *l;
    unsigned lineno = 0;
    int n = 0;
    while ((l = inv_next_content_line(text, len, &pos, &lineno, "#!", &ll))) {
        size_t k = 0;
        while (k < ll && l[k] != '=' && l[k] != ':' && l[k] != ' ' && l[k] != '\t')
            k++;
        const char *v = l + k;
        size_t vl = ll - k;
        inv_trim(&v, &vl);
        if (vl && (v[0] == '=' || v[0] == ':')) {
            v++;
            vl--;
            inv_trim(&v, &vl);
        }
        char key[256], value[1024];
        if (!k || k >= sizeof(key))
            continue;
        inv_copy(key, sizeof(key), l, k);
        inv_copy(value, sizeof(value), v, vl);
        each(ctx, key, value);
        n++;
    }
    return n;
}

void java_name_from_file(const char *file, char *name, size_t nlen, char *version, size_t vlen)
{
    const char *b = strrchr(file, '/');
    b = b ? b + 1 : file;
    char stem[512];
    str_copy(stem, b, sizeof(stem));
    size_t l = strlen(stem);
    if (l > 4 && (!strcmp(stem + l - 4, ".jar") || !strcmp(stem + l - 4, ".war") ||
                  !strcmp(stem + l - 4, ".ear")))
        stem[l - 4] = '\0';
    /* "log4j-core-2.14.1" -> log4j-core, 2.14.1: the version starts at the first "-<digit>" */
    char *dash = stem;
    version[0] = '\0';
    while ((dash = strchr(dash, '-'))) {
        if (isdigit((unsigned char)dash[1])) {
            str_copy(version, dash + 1, vlen);
            *dash = '\0';
            break;
        }
        dash++;
    }
    str_copy(name, stem, nlen);
}
