// Cryptocurrency miners. Written for Vigil.
rule vigil_miner_binary
{
    meta:
        title = "Cryptocurrency miner"
        severity = "high"
        technique = "T1496"
        tactic = "TA0040"
    strings:
        $s1 = "stratum+tcp://" nocase
        $s2 = "stratum+ssl://" nocase
        $s3 = "mining.subscribe"
        $s4 = "mining.authorize"
        $x1 = "xmrig" nocase
        $x2 = "randomx" nocase
        $x3 = "cryptonight" nocase
        $x4 = "--donate-level"
    condition:
        (1 of ($s*) and 1 of ($x*)) or 3 of ($x*) or ($s3 and $s4)
}
