/** The balloon driver: {@code memory/target} followed with decrease/populate reservation. */
package io.jxen.guest.balloon;
