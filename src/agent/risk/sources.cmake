# Risk checking on the host: weak passwords (libxcrypt), open services, risky configuration.
list(APPEND VIGIL_AGENT_SOURCES
  risk/risk_module.c
  risk/risk_passwords.c
  risk/risk_services.c
  risk/risk_config.c
  risk/risk_ssh.c
  risk/risk_sudo.c
  risk/risk_files.c
  risk/risk_kernel.c)
set_source_files_properties(risk/risk_module.c PROPERTIES COMPILE_DEFINITIONS
  "VIGIL_DATA_DIR=\"${CMAKE_INSTALL_PREFIX}/share/vigil\"")
list(APPEND VIGIL_AGENT_LIBS PkgConfig::XCRYPT)
