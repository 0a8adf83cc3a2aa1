/* inv_users.c - uid to user name from /etc/passwd (inv_users.h). */
#include "agent/inventory/inv_users.h"

#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "agent/inventory/parsers.h"

struct inv_user {
    uint32_t uid;
    char *name;
};

struct inv_users {
    struct inv_user *v;
    size_t n, cap;
};

static void add(void *ctx, const struct passwd *pw)
{
    struct inv_users *u = ctx;
    if (inv_users_name(u, pw->pw_uid))
        return; /* the first entry of a uid is the one ls and ps show */
    if (u->n == u->cap) {
        size_t cap = u->cap ? u->cap * 2 : 64;
        struct inv_user *v = realloc(u->v, cap * sizeof(*v));
        if (!v)
            return;
        u->v = v;
        u->cap = cap;
    }
    if ((u->v[u->n].name = strdup(pw->pw_name))) {
        u->v[u->n].uid = pw->pw_uid;
        u->n++;
    }
}

struct inv_users *inv_users_load(struct inv_scan *s)
{
    struct inv_users *u = calloc(1, sizeof(*u));
    struct buf b = {0};
    if (u && inv_read(s, "/etc/passwd", &b, 64u << 20, NULL) == 0)
        parse_passwd((const char *)b.data, b.len, add, u);
    buf_free(&b);
    return u;
}

const char *inv_users_name(const struct inv_users *u, uint32_t uid)
{
    for (size_t i = 0; u && i < u->n; i++)
        if (u->v[i].uid == uid)
            return u->v[i].name;
    return NULL;
}

void inv_users_free(struct inv_users *u)
{
    if (!u)
        return;
    for (size_t i = 0; i < u->n; i++)
        free(u->v[i].name);
    free(u->v);
    free(u);
}
