/* cvss.c - the CVSS v3.0/v3.1 base score of a vector string, computed with the formulas and
 * weights of the FIRST specification (section 7), and the qualitative rating of a score. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "server/risk/vulndb.h"

/* Round up to one decimal as CVSS v3.1 Appendix A defines it (free of floating-point error). */
static double roundup(double x)
{
    int64_t i = (int64_t)llround(x * 100000.0);
    if (i % 10000 == 0)
        return (double)i / 100000.0;
    return (double)(i / 10000 + 1) / 10.0;
}

double vulndb_cvss3_score(const char *vector)
{
    if (!vector || (strncmp(vector, "CVSS:3.1/", 9) && strncmp(vector, "CVSS:3.0/", 9)))
        return -1;
    char av = 0, ac = 0, pr = 0, ui = 0, s = 0, c = 0, in = 0, a = 0;
    const char *p = vector + 9;
    while (*p) {
        const char *colon = strchr(p, ':');
        if (!colon || !colon[1] || (colon[2] && colon[2] != '/'))
            return -1;
        size_t kl = (size_t)(colon - p);
        char v = colon[1];
        char *slot = NULL;
        if (kl == 2 && !strncmp(p, "AV", 2))
            slot = &av;
        else if (kl == 2 && !strncmp(p, "AC", 2))
            slot = &ac;
        else if (kl == 2 && !strncmp(p, "PR", 2))
            slot = &pr;
        else if (kl == 2 && !strncmp(p, "UI", 2))
            slot = &ui;
        else if (kl == 1 && *p == 'S')
            slot = &s;
        else if (kl == 1 && *p == 'C')
            slot = &c;
        else if (kl == 1 && *p == 'I')
            slot = &in;
        else if (kl == 1 && *p == 'A')
            slot = &a;
        if (slot)
            *slot = v; /* temporal and environmental metrics are ignored */
        p = colon[2] ? colon + 3 : colon + 2;
    }
    double w_av = av == 'N' ? 0.85 : av == 'A' ? 0.62 : av == 'L' ? 0.55 : av == 'P' ? 0.2 : -1;
    double w_ac = ac == 'L' ? 0.77 : ac == 'H' ? 0.44 : -1;
    bool changed = s == 'C';
    double w_pr = pr == 'N' ? 0.85 : pr == 'L' ? (changed ? 0.68 : 0.62)
                : pr == 'H' ? (changed ? 0.5 : 0.27) : -1;
    double w_ui = ui == 'N' ? 0.85 : ui == 'R' ? 0.62 : -1;
    double cia[3];
    const char v3[3] = {c, in, a};
    for (int i = 0; i < 3; i++)
        cia[i] = v3[i] == 'H' ? 0.56 : v3[i] == 'L' ? 0.22 : v3[i] == 'N' ? 0 : -1;
    if (w_av < 0 || w_ac < 0 || w_pr < 0 || w_ui < 0 || (s != 'U' && s != 'C') || cia[0] < 0 ||
        cia[1] < 0 || cia[2] < 0)
        return -1;
    double iss = 1 - (1 - cia[0]) * (1 - cia[1]) * (1 - cia[2]);
    double impact = changed ? 7.52 * (iss - 0.029) - 3.25 * pow(iss - 0.02, 15) : 6.42 * iss;
    double expl = 8.22 * w_av * w_ac * w_pr * w_ui;
    if (impact <= 0)
        return 0;
    double base = changed ? 1.08 * (impact + expl) : impact + expl;
    return roundup(base > 10 ? 10 : base);
}

const char *vulndb_cvss_severity(double score)
{
    if (score >= 9.0)
        return "critical";
    if (score >= 7.0)
        return "high";
    if (score >= 4.0)
        return "medium";
    if (score > 0)
        return "low";
    return "none";
}
