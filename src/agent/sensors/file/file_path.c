/* file_path.c - lexical path normalisation and prefix matching (file_path.h). */
#include "agent/sensors/file/file_path.h"

#include <errno.h>
#include <fnmatch.h>
#include <string.h>

int fpath_normalize(const char *in, size_t len, char *out, size_t outlen)
{
    if (!len || in[0] != '/' || outlen < 2)
        return -EINVAL;
    size_t o = 0;
    out[o++] = '/';
    size_t i = 0;
    while (i < len) {
        while (i < len && in[i] == '/')
            i++;
        size_t start = i;
        while (i < len && in[i] != '/')
            i++;
        size_t n = i - start;
        if (n == 0 || (n == 1 && in[start] == '.'))
            continue;
        if (n == 2 && in[start] == '.' && in[start + 1] == '.') {
            /* drop the last component ("/" stays) */
            while (o > 1 && out[o - 1] != '/')
                o--;
            if (o > 1)
                o--;
            continue;
        }
        if (o > 1) {
            if (o + 1 >= outlen)
                return -ENAMETOOLONG;
            out[o++] = '/';
        }
        if (o + n >= outlen)
            return -ENAMETOOLONG;
        memcpy(out + o, in + start, n);
        o += n;
    }
    out[o] = '\0';
    return (int)o;
}

/* Whether the first components of path match pattern (fnmatch with FNM_PATHNAME) and path goes
 * on at a component boundary (or ends) when `prefix`. */
static bool match(const char *pattern, const char *path, bool prefix)
{
    if (!prefix)
        return fnmatch(pattern, path, FNM_PATHNAME | FNM_PERIOD) == 0;
    size_t plen = strlen(pattern);
    while (plen > 1 && pattern[plen - 1] == '/')
        plen--;
    if (plen == 1 && pattern[0] == '/')
        return path[0] == '/';
    /* as many components of path as pattern has */
    size_t comps = 0;
    for (size_t i = 0; i < plen; i++)
        comps += pattern[i] == '/';
    size_t end = 0, seen = 0;
    while (path[end]) {
        if (path[end] == '/' && end > 0 && ++seen == comps)
            break;
        end++;
    }
    if (seen < comps && !path[end])
        seen++;
    if (seen != comps && path[end] != '\0')
        return false;
    char head[4096], pat[4096];
    if (end >= sizeof(head) || plen >= sizeof(pat))
        return false;
    memcpy(head, path, end);
    head[end] = '\0';
    memcpy(pat, pattern, plen);
    pat[plen] = '\0';
    return fnmatch(pat, head, FNM_PATHNAME) == 0;
}

bool fpath_under(const struct config_list *prefixes, const char *path)
{
    for (size_t i = 0; prefixes && i < prefixes->count; i++)
        if (match(prefixes->items[i], path, true))
            return true;
    return false;
}

bool fpath_is(const struct config_list *files, const char *path)
{
    for (size_t i = 0; files && i < files->count; i++)
        if (match(files->items[i], path, false))
            return true;
    return false;
}
