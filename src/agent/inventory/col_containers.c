/* col_containers.c - the containers collector: containers (container_changes) and images
 * (container_image_changes) of Docker and Podman, read from their state on disk, so it works
 * whether their daemon runs or not and never talks to a daemon's API:
 *   Docker: <docker_root>/containers/<id>/config.v2.json, and the images of
 *           <docker_root>/image/<driver>/repositories.json and imagedb;
 *   Podman: <podman_root>/<driver>-containers/containers.json and
 *           <driver>-images/images.json (containers/storage); a Podman container is running
 *           when a process of the host runs in it (its cgroup names it).
 * Everything is JSON read with jansson, bounded, and a damaged file is a warning. */
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/inventory/inv_text.h"
#include "agent/inventory/inventory.h"
#include "agent/inventory/parsers.h"
#include "agent/sensors/process/process_text.h"
#include "agent/sensors/process/procfs.h"
#include "common/util.h"

#define STATE_FILE_MAX (64u << 20)

/* RFC 3339 time ("2024-03-01T10:00:00.123456789Z", "...+01:00") to ns since the epoch. */
int64_t parse_rfc3339_ns(const char *s)
{
    if (!s)
        return 0;
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!p)
        return 0;
    int64_t frac = 0;
    if (*p == '.') {
        int digits = 0;
        for (p++; *p >= '0' && *p <= '9'; p++)
            if (digits++ < 9)
                frac = frac * 10 + (*p - '0');
        while (digits++ < 9)
            frac *= 10;
    }
    int64_t off = 0;
    if ((*p == '+' || *p == '-') && strlen(p) >= 6) {
        int hh = (p[1] - '0') * 10 + (p[2] - '0'), mm = (p[4] - '0') * 10 + (p[5] - '0');
        off = (int64_t)(hh * 3600 + mm * 60) * (*p == '-' ? -1 : 1);
    }
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return 0;
    return ((int64_t)t - off) * 1000000000ll + frac;
}

static json_t *load_json(struct inv_scan *s, const char *path)
{
    struct buf b = {0};
    json_t *j = NULL;
    int rc = inv_read(s, path, &b, STATE_FILE_MAX, NULL);
    if (rc == 0) {
        json_error_t err;
        j = json_loadb((const char *)b.data, b.len, 0, &err);
        if (!j)
            inv_warn(s, "%s:%d: %s", path, err.line, err.text);
    } else if (rc != -ENOENT) {
        inv_warn(s, "%s: %s", path, strerror(-rc));
    }
    buf_free(&b);
    return j;
}

static const char *jstr(json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

/* argv of a JSON array joined by blanks. */
static void join_args(json_t *arr, struct buf *out)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        const char *s = json_string_value(v);
        if (!s)
            continue;
        if (out->len)
            buf_putc(out, ' ');
        buf_append_str(out, s);
    }
}

static void docker_containers(struct inv_scan *s, const char *root)
{
    char dir[PATH_MAX];
    char **ids;
    size_t n;
    if (!inv_fmt(dir, sizeof(dir), "%s/containers", root) || inv_list_dir(s, dir, true, &ids, &n))
        return;
    for (size_t i = 0; i < n; i++) {
        char path[PATH_MAX];
        if (!inv_fmt(path, sizeof(path), "%s/%s/config.v2.json", dir, ids[i]))
            continue;
        json_t *c = load_json(s, path);
        if (!json_is_object(c)) {
            json_decref(c);
            continue;
        }
        const char *id = jstr(c, "ID");
        json_t *config = json_object_get(c, "Config"), *state = json_object_get(c, "State");
        const char *name = jstr(c, "Name");
        struct event *ev = inv_row(s, TBL_CONTAINER_CHANGES, "docker\t%s", id ? id : ids[i]);
        inv_str(ev, FLD_CONTAINER_RUNTIME, "docker");
        inv_str(ev, FLD_CONTAINER_ID, id ? id : ids[i]);
        if (name)
            inv_str(ev, FLD_CONTAINER_NAME, name[0] == '/' ? name + 1 : name);
        inv_str(ev, FLD_IMAGE, jstr(config, "Image"));
        inv_str(ev, FLD_IMAGE_ID, jstr(c, "Image"));
        const char *status = jstr(state, "Status");
        if (!status) /* older engines: the booleans */
            status = json_is_true(json_object_get(state, "Running"))      ? "running"
                     : json_is_true(json_object_get(state, "Restarting")) ? "restarting"
                     : json_is_true(json_object_get(state, "Dead"))       ? "dead"
                                                                          : "exited";
        inv_str(ev, FLD_CONTAINER_STATE, status);
        struct buf cmd = {0};
        const char *p = jstr(c, "Path");
        if (p)
            buf_append_str(&cmd, p);
        join_args(json_object_get(c, "Args"), &cmd);
        inv_strn(ev, FLD_COMMAND, cmd.len ? (const char *)cmd.data : "", cmd.len);
        buf_free(&cmd);
        inv_int(ev, FLD_CREATED_TIME, parse_rfc3339_ns(jstr(c, "Created")));
        json_int_t pid = json_integer_value(json_object_get(state, "Pid"));
        if (pid > 0 && !strcmp(status, "running"))
            inv_int(ev, FLD_PID, pid);
        json_decref(c);
    }
    inv_names_free(ids, n);
}

static void docker_images(struct inv_scan *s, const char *root)
{
    char pattern[PATH_MAX], real[PATH_MAX];
    if (!inv_fmt(pattern, sizeof(pattern), "%s/image/*/repositories.json", root) ||
        inv_path(s, pattern, real, sizeof(real)))
        return;
    glob_t g;
    if (glob(real, 0, NULL, &g) != 0)
        return;
    size_t rootlen = strlen(s->root);
    for (size_t gi = 0; gi < g.gl_pathc; gi++) {
        const char *repos_path = g.gl_pathv[gi] + rootlen;
        char driver_dir[PATH_MAX];
        inv_copy(driver_dir, sizeof(driver_dir), repos_path, strrchr(repos_path, '/') - repos_path);
        /* tags by image id */
        json_t *repos_file = load_json(s, repos_path);
        json_t *repos = json_object_get(repos_file, "Repositories");
        json_t *tags = json_object();
        const char *repo, *tag;
        json_t *m, *id;
        json_object_foreach(repos, repo, m) {
            json_object_foreach(m, tag, id) {
                const char *iid = json_string_value(id);
                if (!iid || strchr(tag, '@'))
                    continue; /* digests repeat a tag's image */
                json_t *list = json_object_get(tags, iid);
                if (!list)
                    json_object_set_new(tags, iid, list = json_array());
                json_array_append_new(list, json_string(tag));
            }
        }
        char content[PATH_MAX];
        char **ids;
        size_t n;
        if (inv_fmt(content, sizeof(content), "%s/imagedb/content/sha256", driver_dir) &&
            inv_list_dir(s, content, true, &ids, &n) == 0) {
            for (size_t i = 0; i < n; i++) {
                char path[PATH_MAX], image_id[128];
                if (!inv_fmt(path, sizeof(path), "%s/%s", content, ids[i]) ||
                    !inv_fmt(image_id, sizeof(image_id), "sha256:%s", ids[i]))
                    continue;
                json_t *cfg = load_json(s, path);
                struct buf names = {0};
                size_t k;
                json_t *t;
                json_array_foreach(json_object_get(tags, image_id), k, t)
                    inv_list_add(&names, json_string_value(t), strlen(json_string_value(t)));
                struct event *ev = inv_row(s, TBL_CONTAINER_IMAGE_CHANGES, "docker\t%s", image_id);
                inv_str(ev, FLD_CONTAINER_RUNTIME, "docker");
                inv_str(ev, FLD_IMAGE_ID, image_id);
                inv_strn(ev, FLD_IMAGE, names.len ? (const char *)names.data : "", names.len);
                inv_int(ev, FLD_CREATED_TIME, parse_rfc3339_ns(jstr(cfg, "created")));
                buf_free(&names);
                json_decref(cfg);
            }
            inv_names_free(ids, n);
        }
        json_decref(tags);
        json_decref(repos_file);
    }
    globfree(&g);
}

/* Container ids of the processes running now (from their cgroups). */
static void running_ids(struct inv_scan *s, struct buf *ids)
{
    if (s->root[0])
        return;
    DIR *d = opendir("/proc");
    struct dirent *de;
    while (d && (de = readdir(d))) {
        char path[64], cg[PATH_MAX], v1[PATH_MAX], id[128];
        if (de->d_name[0] < '1' || de->d_name[0] > '9')
            continue;
        struct buf b = {0};
        snprintf(path, sizeof(path), "/proc/%.20s/cgroup", de->d_name);
        if (inv_read_real(path, &b, 1 << 16, NULL) == 0 &&
            procfs_parse_cgroup((const char *)b.data, b.len, cg, sizeof(cg), v1, sizeof(v1)) == 0 &&
            (ptext_container_id(cg, id, sizeof(id)) || ptext_container_id(v1, id, sizeof(id)))) {
            buf_append_str(ids, id);
            buf_putc(ids, '\n');
        }
        buf_free(&b);
    }
    if (d)
        closedir(d);
    buf_terminate(ids);
}

static void podman(struct inv_scan *s, const char *root)
{
    char pattern[PATH_MAX], real[PATH_MAX];
    struct buf running = {0};
    bool have_running = false;
    glob_t g;
    size_t rootlen = strlen(s->root);
    if (inv_fmt(pattern, sizeof(pattern), "%s/*-containers/containers.json", root) &&
        inv_path(s, pattern, real, sizeof(real)) == 0 && glob(real, 0, NULL, &g) == 0) {
        for (size_t gi = 0; gi < g.gl_pathc; gi++) {
            json_t *arr = load_json(s, g.gl_pathv[gi] + rootlen);
            size_t i;
            json_t *c;
            json_array_foreach(arr, i, c) {
                const char *id = jstr(c, "id");
                if (!id)
                    continue;
                if (!have_running) {
                    running_ids(s, &running);
                    have_running = true;
                }
                json_t *meta = NULL;
                const char *m = jstr(c, "metadata");
                if (m)
                    meta = json_loads(m, 0, NULL);
                struct event *ev = inv_row(s, TBL_CONTAINER_CHANGES, "podman\t%s", id);
                inv_str(ev, FLD_CONTAINER_RUNTIME, "podman");
                inv_str(ev, FLD_CONTAINER_ID, id);
                const char *name = jstr(meta, "name");
                if (!name)
                    name = json_string_value(json_array_get(json_object_get(c, "names"), 0));
                inv_str(ev, FLD_CONTAINER_NAME, name);
                inv_str(ev, FLD_IMAGE, jstr(meta, "image-name"));
                inv_str(ev, FLD_IMAGE_ID, jstr(c, "image"));
                bool is_running = running.data && strstr((const char *)running.data, id);
                inv_str(ev, FLD_CONTAINER_STATE, is_running ? "running" : "not_running");
                inv_int(ev, FLD_CREATED_TIME, parse_rfc3339_ns(jstr(c, "created")));
                json_decref(meta);
            }
            json_decref(arr);
        }
        globfree(&g);
    }
    buf_free(&running);
    if (inv_fmt(pattern, sizeof(pattern), "%s/*-images/images.json", root) &&
        inv_path(s, pattern, real, sizeof(real)) == 0 && glob(real, 0, NULL, &g) == 0) {
        for (size_t gi = 0; gi < g.gl_pathc; gi++) {
            json_t *arr = load_json(s, g.gl_pathv[gi] + rootlen);
            size_t i;
            json_t *img;
            json_array_foreach(arr, i, img) {
                const char *id = jstr(img, "id");
                if (!id)
                    continue;
                struct buf names = {0};
                size_t k;
                json_t *t;
                json_array_foreach(json_object_get(img, "names"), k, t)
                    if (json_is_string(t))
                        inv_list_add(&names, json_string_value(t), strlen(json_string_value(t)));
                char image_id[128];
                inv_fmt(image_id, sizeof(image_id), "sha256:%s", id);
                struct event *ev = inv_row(s, TBL_CONTAINER_IMAGE_CHANGES, "podman\t%s", image_id);
                inv_str(ev, FLD_CONTAINER_RUNTIME, "podman");
                inv_str(ev, FLD_IMAGE_ID, image_id);
                inv_strn(ev, FLD_IMAGE, names.len ? (const char *)names.data : "", names.len);
                inv_int(ev, FLD_CREATED_TIME, parse_rfc3339_ns(jstr(img, "created")));
                buf_free(&names);
            }
            json_decref(arr);
        }
        globfree(&g);
    }
}

static int containers_collect(struct inv_scan *s, struct vg_error *err)
{
    (void)err;
    const char *docker = s->cfg->containers_docker_root, *pod = s->cfg->containers_podman_root;
    if (docker && docker[0]) {
        docker_containers(s, docker);
        docker_images(s, docker);
    }
    if (pod && pod[0])
        podman(s, pod);
    return 0;
}

static const enum table_id containers_tables[] = {TBL_CONTAINER_CHANGES,
                                                  TBL_CONTAINER_IMAGE_CHANGES, TBL_NONE};

const struct inv_collector inv_collector_containers = {
    .name = "containers",
    .tables = containers_tables,
    .collect = containers_collect,
};
