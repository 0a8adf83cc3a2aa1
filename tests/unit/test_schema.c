/* test_schema.c - the schema: field and table dictionaries are consistent, the SQLite DDL is
 * valid SQL, and docs/schema.md contains exactly what the schema generates (docs in sync). */
#include <sqlite3.h>

#include "common/schema.h"
#include "common/util.h"
#include "test.h"

static void test_dictionary(void)
{
    int fields = 0;
    for (unsigned id = 1; id < FLD_MAX_ID; id++) {
        const struct field_def *f = schema_field(id);
        if (!f)
            continue;
        fields++;
        CHECK_EQ_INT(f->id, id);
        CHECK(schema_field_by_name(f->name) == f); /* names are unique */
        CHECK(f->type == FT_TEXT || f->type == FT_INT);
        CHECK(f->description && strlen(f->description) >= 8);
        for (const char *p = f->name; *p; p++)
            CHECK((*p >= 'a' && *p <= 'z') || *p == '_' || (*p >= '0' && *p <= '9'));
    }
    CHECK(fields > 20);
    CHECK(schema_field(0) == NULL);
    CHECK(schema_field(60000) == NULL);
    size_t n;
    const struct table_def *t = schema_tables(&n);
    for (size_t i = 0; i < n; i++) {
        CHECK(t[i].id > TBL_NONE && t[i].id < TBL_MAX_ID); /* arrays are indexed by table id */
        CHECK(schema_table(t[i].id) == &t[i]);
        CHECK(schema_table_by_name(t[i].name) == &t[i]);
        for (size_t c = 0; t[i].columns[c] != FLD_NONE; c++) {
            CHECK(t[i].columns[c] < FLD_MAX_ID);
            CHECK(schema_field(t[i].columns[c]) != NULL);
            CHECK_EQ_INT(schema_table_column(&t[i], t[i].columns[c]), c);
            for (size_t h = 0; h < schema_header_ncolumns; h++)
                CHECK(strcmp(schema_field(t[i].columns[c])->name,
                             schema_header_columns[h].name) != 0);
        }
    }
}

static void test_ddl_is_valid_sqlite(void)
{
    struct buf ddl = {0};
    CHECK_EQ_INT(schema_sqlite_ddl(&ddl), 0);
    buf_terminate(&ddl);
    sqlite3 *db;
    CHECK_EQ_INT(sqlite3_open(":memory:", &db), SQLITE_OK);
    char *msg = NULL;
    int rc = sqlite3_exec(db, (const char *)ddl.data, NULL, NULL, &msg);
    if (rc)
        fprintf(stderr, "DDL: %s\n", msg);
    CHECK_EQ_INT(rc, SQLITE_OK);
    sqlite3_free(msg);
    /* running it twice is harmless (IF NOT EXISTS) */
    CHECK_EQ_INT(sqlite3_exec(db, (const char *)ddl.data, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    buf_free(&ddl);
}

static void test_docs_in_sync(void)
{
    struct buf gen = {0}, doc = {0};
    CHECK_EQ_INT(schema_markdown(&gen), 0);
    buf_terminate(&gen);
    int rc = file_read_all(VIGIL_SOURCE_DIR "/docs/schema.md", &doc, 4 << 20);
    CHECK_EQ_INT(rc, 0);
    buf_terminate(&doc);
    bool found = doc.data && strstr((const char *)doc.data, (const char *)gen.data) != NULL;
    if (!found)
        fprintf(stderr, "docs/schema.md is out of date: regenerate it with "
                        "the generated part with `vigil schema` (see the top of docs/schema.md)\n");
    CHECK(found);
    buf_free(&gen);
    buf_free(&doc);
}

TEST_MAIN(TEST(test_dictionary), TEST(test_ddl_is_valid_sqlite), TEST(test_docs_in_sync))
