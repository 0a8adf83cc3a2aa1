// Web shells: scripts a web server runs that execute what the request says. Written for Vigil.
rule vigil_php_webshell
{
    meta:
        title = "PHP web shell"
        severity = "high"
        technique = "T1505.003"
        tactic = "TA0003"
    strings:
        $php = "<?php" nocase
        $in1 = "$_GET" nocase
        $in2 = "$_POST" nocase
        $in3 = "$_REQUEST" nocase
        $in4 = "$_COOKIE" nocase
        $ex1 = "system(" nocase
        $ex2 = "passthru(" nocase
        $ex3 = "shell_exec(" nocase
        $ex4 = "exec(" nocase
        $ex5 = "popen(" nocase
        $ex6 = "proc_open(" nocase
        $ev1 = /eval\s*\(\s*(base64_decode|gzinflate|str_rot13|\$_)/ nocase
        $ev2 = /assert\s*\(\s*\$_/ nocase
    condition:
        $php and ((1 of ($in*) and 1 of ($ex*)) or 1 of ($ev*))
}

rule vigil_cgi_shell_webshell
{
    meta:
        title = "CGI script running shell commands"
        severity = "high"
        technique = "T1505.003"
        tactic = "TA0003"
    strings:
        $sh = /^#!\s*\/(usr\/)?bin\/(ba|da)?sh/
        $ct = "Content-Type:" nocase
        $c1 = "sh -c" nocase
        $c2 = "QUERY_STRING"
        $c3 = "eval "
        $c4 = "/etc/passwd"
        $c5 = "uname -a"
    condition:
        $sh at 0 and $ct and 2 of ($c*)
}

rule vigil_jsp_webshell
{
    meta:
        title = "JSP web shell"
        severity = "high"
        technique = "T1505.003"
        tactic = "TA0003"
    strings:
        $a = "Runtime.getRuntime().exec(" nocase
        $b = "request.getParameter(" nocase
        $c = "ProcessBuilder(" nocase
    condition:
        $b and ($a or $c)
}
