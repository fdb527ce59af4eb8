#!/usr/bin/env perl
# Writes the tiny MaxMind-format test database Tests/WardGeoIPTests/Fixtures/wardwatch-test.mmdb
# (GeoLite2-Country and GeoLite2-ASN layouts merged in one record, made-up data; never a downloaded database).
#   perl Scripts/make-geoip-fixture.pl [output path]      needs Debian's libmaxmind-db-writer-perl
use strict;
use warnings;
use utf8;
use MaxMind::DB::Writer::Tree;

my $output = shift // 'Tests/WardGeoIPTests/Fixtures/wardwatch-test.mmdb';

my %types = (
    country                        => 'map',
    iso_code                       => 'utf8_string',
    names                          => 'map',
    en                             => 'utf8_string',
    registered_country             => 'map',
    autonomous_system_number       => 'uint32',
    autonomous_system_organization => 'utf8_string',
);

my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version               => 6,
    record_size              => 24,
    database_type            => 'WardWatch-Test-GeoIP',
    languages                => ['en'],
    description              => { en => 'WardWatch unit-test database (made-up data)' },
    map_key_type_callback    => sub { $types{ $_[0] } },
    remove_reserved_networks => 0,     # keep 203.0.113.0/24 (TEST-NET-3) so the enricher's skip can be tested
    alias_ipv6_to_ipv4       => 1,     # ::ffff:0:0/96 and 2002::/16 reach the IPv4 part, as MaxMind's databases do
);

# Country and ASN, as in GeoLite2-Country + GeoLite2-ASN.
$tree->insert_network('81.2.69.0/24', {
    country => { iso_code => 'GB', names => { en => 'United Kingdom' } },
    autonomous_system_number => 20712, autonomous_system_organization => 'Andrews & Arnold Ltd',
});
# Country only (no ASN data).
$tree->insert_network('89.160.20.112/28', { country => { iso_code => 'SE', names => { en => 'Sweden' } } });
# Only registered_country (as GeoLite2 has for some ranges): the reader falls back to it.
$tree->insert_network('175.16.199.0/24', { registered_country => { iso_code => 'CN', names => { en => 'China' } } });
# ASN only, in a documentation range: found by a direct lookup, skipped by the enricher.
$tree->insert_network('203.0.113.0/24', {
    autonomous_system_number => 64496, autonomous_system_organization => 'WardWatch Test AS',
});
# IPv6.
$tree->insert_network('2a02:cf40::/29', {
    country => { iso_code => 'DE', names => { en => 'Germany' } },
    autonomous_system_number => 4200000001, autonomous_system_organization => 'Müller Netz GmbH',
});

open my $fh, '>:raw', $output or die "cannot write $output: $!\n";
$tree->write_tree($fh);
close $fh or die "cannot write $output: $!\n";
print "wrote $output\n";
