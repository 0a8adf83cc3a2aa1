# The baseline self-check: SCA policy engine (PCRE2, libyaml) and its module.
list(APPEND VIGIL_AGENT_SOURCES
  baseline/baseline_module.c
  baseline/baseline_run.c
  baseline/sca_eval.c
  baseline/sca_exec.c
  baseline/sca_policy.c
  baseline/sca_regex.c
  baseline/sca_rule.c
  baseline/sca_yaml.c)
set_source_files_properties(baseline/baseline_module.c PROPERTIES COMPILE_DEFINITIONS
  "VIGIL_POLICY_DIR=\"${CMAKE_INSTALL_PREFIX}/share/vigil/policies\"")
