/* parse_account.c - account and group changes as the shadow tools (useradd, userdel,
 * usermod, groupadd, groupdel, groupmod, gpasswd, chage, passwd) and PAM's password changes
 * (passwd, chpasswd) log them. target_user is the account changed. */
#include "agent/logs/logs_parser.h"

static const struct log_pattern account_patterns[] = {
    {"new user: name=(?<target_user>[^,]+), UID=(?<uid>\\d+), GID=(?<gid>\\d+), "
     "home=(?<home_dir>[^,]*), shell=(?<shell>[^,]*)", TBL_ACCOUNT_EVENTS, "user_add",
     "result_code=0"},
    {"new group: name=(?<group_name>[^,]+), GID=(?<gid>\\d+)", TBL_ACCOUNT_EVENTS, "group_add",
     "result_code=0"},
    {"group added to /etc/group: name=(?<group_name>[^,]+), GID=(?<gid>\\d+)",
     TBL_ACCOUNT_EVENTS, "group_add", "result_code=0"},
    {"delete user '(?<target_user>[^']+)'", TBL_ACCOUNT_EVENTS, "user_delete", "result_code=0"},
    {"removed group '(?<group_name>[^']+)' owned by '(?<target_user>[^']+)'", TBL_ACCOUNT_EVENTS,
     "group_delete", "result_code=0"},
    {"group '(?<group_name>[^']+)' removed from /etc/group", TBL_ACCOUNT_EVENTS, "group_delete",
     "result_code=0"},
    {"group changed in /etc/group \\(group (?<group_name>[^/]+)/(?<gid>\\d+)(?<reason>.*)\\)",
     TBL_ACCOUNT_EVENTS, "group_modify", "result_code=0"},
    {"add '(?<target_user>[^']+)' to group '(?<group_name>[^']+)'", TBL_ACCOUNT_EVENTS,
     "group_member_add", "result_code=0"},
    {"delete '(?<target_user>[^']+)' from group '(?<group_name>[^']+)'", TBL_ACCOUNT_EVENTS,
     "group_member_delete", "result_code=0"},
    {"user (?<target_user>\\S+) added by (?<user>\\S+) to group (?<group_name>\\S+)",
     TBL_ACCOUNT_EVENTS, "group_member_add", "result_code=0"},
    {"user (?<target_user>\\S+) removed by (?<user>\\S+) from group (?<group_name>\\S+)",
     TBL_ACCOUNT_EVENTS, "group_member_delete", "result_code=0"},
    {"(?<reason>change user name) '(?<_old>[^']+)' to '(?<target_user>[^']+)'",
     TBL_ACCOUNT_EVENTS, "user_modify", "result_code=0"},
    {"(?<reason>change user '(?<target_user>[^']+)' .*)", TBL_ACCOUNT_EVENTS, "user_modify",
     "result_code=0"},
    {"(?<reason>(?:lock|unlock) user '(?<target_user>[^']+)' password)", TBL_ACCOUNT_EVENTS,
     "user_modify", "result_code=0"},
    {"(?<reason>changed password expiry) for (?<target_user>\\S+)", TBL_ACCOUNT_EVENTS,
     "user_modify", "result_code=0"},
    {"pam_\\w+\\([^:)]+:chauthtok\\): password changed for (?<target_user>\\S+)",
     TBL_ACCOUNT_EVENTS, "password_change", "result_code=0"},
    {"password for '(?<target_user>[^']+)' changed by '(?<user>[^']+)'", TBL_ACCOUNT_EVENTS,
     "password_change", "result_code=0"},
    {"pam_\\w+\\([^:)]+:chauthtok\\): (?<reason>.*)", TBL_ACCOUNT_EVENTS, "password_change",
     "result_code=-13"},
    {NULL, 0, NULL, NULL},
};

const struct log_parser log_parser_account = {
    .name = "account",
    .programs = "useradd|userdel|usermod|groupadd|groupdel|groupmod|gpasswd|chage|passwd|"
                "chpasswd|newusers|chfn|chsh",
    .patterns = account_patterns,
};
