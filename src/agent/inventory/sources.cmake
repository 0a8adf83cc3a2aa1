# The asset inventory: the module, its engine, the collectors and their parsers.
list(APPEND VIGIL_AGENT_SOURCES
  inventory/inventory_module.c
  inventory/inventory_config.c
  inventory/inventory_engine.c
  inventory/inventory_scan.c
  inventory/inventory_snapshot.c
  inventory/inventory_diff.c
  inventory/collectors.c
  inventory/inv_text.c
  inventory/inv_fs.c
  inventory/parse_host.c
  inventory/col_host.c
  inventory/parse_accounts.c
  inventory/col_accounts.c
  inventory/parse_sudoers.c
  inventory/col_sudoers.c
  inventory/parse_ssh.c
  inventory/col_ssh_keys.c
  inventory/parse_utmp.c
  inventory/col_logins.c
  inventory/parse_deb822.c
  inventory/col_packages.c
  inventory/pkg_rpm.c
  inventory/col_language.c
  inventory/lang_python.c
  inventory/lang_java.c
  inventory/parse_java.c)
