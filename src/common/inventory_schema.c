/* inventory_schema.c - the inventory tables and their current-state tables (inventory_schema.h). */
#include "common/inventory_schema.h"

#include "common/util.h"

static const struct inventory_table tables[] = {
    {TBL_HOST_INFO_CHANGES, "host_info", true},
    {TBL_MOUNT_CHANGES, "host_mounts", true},
    {TBL_DISK_CHANGES, "host_disks", true},
    {TBL_INTERFACE_CHANGES, "host_interfaces", true},
    {TBL_ROUTE_CHANGES, "host_routes", true},
    {TBL_USER_CHANGES, "host_users", true},
    {TBL_GROUP_CHANGES, "host_groups", true},
    {TBL_SUDOERS_CHANGES, "host_sudoers", true},
    {TBL_SSH_KEY_CHANGES, "host_ssh_keys", true},
    {TBL_LOGIN_HISTORY_CHANGES, "host_login_history", false},
    {TBL_SESSION_CHANGES, "host_sessions", true},
    {TBL_PACKAGE_CHANGES, "host_packages", true},
    {TBL_LANGUAGE_PACKAGE_CHANGES, "host_language_packages", true},
    {TBL_PROCESS_CHANGES, "host_processes", true},
    {TBL_LISTENING_PORT_CHANGES, "host_listening_ports", true},
    {TBL_CONNECTION_CHANGES, "host_connections", true},
    {TBL_SERVICE_CHANGES, "host_services", true},
    {TBL_CRON_JOB_CHANGES, "host_cron_jobs", true},
    {TBL_KERNEL_MODULE_CHANGES, "host_kernel_modules", true},
    {TBL_SYSCTL_CHANGES, "host_sysctl", true},
    {TBL_SUID_FILE_CHANGES, "host_suid_files", true},
    {TBL_STARTUP_FILE_CHANGES, "host_startup_files", true},
    {TBL_APPLICATION_CHANGES, "host_applications", true},
    {TBL_WEB_SITE_CHANGES, "host_web_sites", true},
    {TBL_CONTAINER_CHANGES, "host_containers", true},
    {TBL_CONTAINER_IMAGE_CHANGES, "host_container_images", true},
};

const struct inventory_table *inventory_tables(size_t *n)
{
    *n = ARRAY_SIZE(tables);
    return tables;
}

const struct inventory_table *inventory_table_of(enum table_id t)
{
    for (size_t i = 0; i < ARRAY_SIZE(tables); i++)
        if (tables[i].table == t)
            return &tables[i];
    return NULL;
}

bool inventory_is_content_field(enum field_id f)
{
    return f != FLD_ROW_KEY && f != FLD_SCAN_ID && f != FLD_CHANGED_FIELDS && f != FLD_PREVIOUS;
}
