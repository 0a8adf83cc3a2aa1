# The detection module: the rule engine (src/engine) as a pipeline processor.
list(APPEND VIGIL_AGENT_SOURCES detect/detect_module.c detect/detect_yara.c)
