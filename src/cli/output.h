/* output.h - how the CLI prints result sets: table (for people), JSON lines, CSV. */
#ifndef VIGIL_CLI_OUTPUT_H
#define VIGIL_CLI_OUTPUT_H

#include <jansson.h>
#include <stdio.h>

/* result is {"columns": [names], "rows": [[values]]} as the query API returns it. */
void output_table(FILE *f, json_t *result);
void output_json(FILE *f, json_t *result);
void output_csv(FILE *f, json_t *result);
/* Replace obj's member name, when it is a time in ns since the epoch, by its RFC 3339 text. */
void output_time_field(json_t *obj, const char *name);
/* rows is an array of objects: print the members named in cols (ncols of them) as a table. */
void output_objects(FILE *f, json_t *rows, const char *const *cols, size_t ncols);
/* A provenance storyline (array of steps), one line per step: when, what, the ATT&CK technique
 * and the alert that fired on it. */
void output_storyline(FILE *f, json_t *steps);

#endif
