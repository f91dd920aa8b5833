//! Java's `String.hashCode` and Kafka's `Utils.abs`, bit for bit.
//!
//! Kafka places a consumer group and a transactional id on a coordinator with
//! `Utils.abs(id.hashCode()) % numPartitions` of `__consumer_offsets` /
//! `__transaction_state` (GroupMetadataManager.partitionFor,
//! TransactionStateManager.partitionFor). Both must agree with the Java broker
//! so that a learner's `group.id` lands on the same partition as in real Kafka.

/// `java.lang.String#hashCode`: `s[0]*31^(n-1) + ... + s[n-1]` over the UTF-16
/// code units of the string, with 32-bit wrapping arithmetic.
pub fn java_string_hashcode(s: &str) -> i32 {
    s.encode_utf16().fold(0i32, |h, unit| h.wrapping_mul(31).wrapping_add(i32::from(unit)))
}

/// `org.apache.kafka.common.utils.Utils.abs`: the absolute value, except that
/// `i32::MIN` (whose absolute value does not fit) maps to 0.
pub fn kafka_abs(n: i32) -> i32 {
    if n == i32::MIN {
        0
    } else {
        n.abs()
    }
}

/// The partition of an internal topic with `num_partitions` partitions that
/// owns `id` (a `group.id` or a `transactional.id`).
pub fn coordinator_partition_for(id: &str, num_partitions: i32) -> i32 {
    assert!(num_partitions > 0, "an internal topic has at least one partition");
    kafka_abs(java_string_hashcode(id)) % num_partitions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashcode_matches_java_for_known_strings() {
        // Values printed by `"...".hashCode()` on a JVM.
        assert_eq!(java_string_hashcode(""), 0);
        assert_eq!(java_string_hashcode("a"), 97);
        assert_eq!(java_string_hashcode("hello"), 99_162_322);
        // The classic collision: "Aa" and "BB" share a hash code.
        assert_eq!(java_string_hashcode("Aa"), 2112);
        assert_eq!(java_string_hashcode("BB"), 2112);
        assert_eq!(java_string_hashcode("my-group"), -1_906_497_762);
        // Overflow wraps as in Java.
        assert_eq!(java_string_hashcode("polygenelubricants"), i32::MIN);
    }

    #[test]
    fn hashcode_uses_utf16_code_units() {
        // U+1F600 is a surrogate pair D83D DE00 in UTF-16.
        assert_eq!(java_string_hashcode("\u{1F600}"), 0xD83D * 31 + 0xDE00);
        assert_eq!(java_string_hashcode("é"), 0xE9);
    }

    #[test]
    fn kafka_abs_maps_min_value_to_zero() {
        assert_eq!(kafka_abs(i32::MIN), 0);
        assert_eq!(kafka_abs(-5), 5);
        assert_eq!(kafka_abs(7), 7);
    }

    #[test]
    fn coordinator_partition_is_abs_hash_modulo_partitions() {
        assert_eq!(coordinator_partition_for("polygenelubricants", 50), 0);
        assert_eq!(coordinator_partition_for("hello", 50), 99_162_322 % 50);
    }
}
