// Reverse-shell one-liners saved into scripts. Written for Vigil.
rule vigil_reverse_shell_script
{
    meta:
        title = "Script with a reverse-shell one-liner"
        severity = "high"
        technique = "T1059.004"
        tactic = "TA0011"
    strings:
        $a1 = /(ba)?sh -i\s*>&\s*\/dev\/(tcp|udp)\//
        $a2 = /exec\s+\d+<>\/dev\/tcp\//
        $a3 = /nc(at)?(\.traditional)?\s+(-[a-z]*\s+)*-e\s+\/bin\/(ba)?sh/
        $a4 = /socket\.socket\(.{0,200}\.connect\(.{0,200}dup2\(/s
        $a5 = /socat\s+\S*exec:/ nocase
        $a6 = "fsockopen(" nocase
        $a7 = /mkfifo\s+\S+\s*;\s*(cat|nc)\s/
    condition:
        any of them
}
