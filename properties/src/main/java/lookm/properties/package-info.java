/**
 * Property-based tests for the LOOK-M testbed, published as the artifact {@code lookm-properties}:
 * <ul>
 *   <li>{@link lookm.properties.gen}: library-neutral generators of multimodal caches (plain functions of a seeded
 *       {@link lookm.properties.gen.Source}), with coverage classes;</li>
 *   <li>{@link lookm.properties.contract}: the checks (each one a named predicate of {@code lookm.spec.invariant})
 *       and the {@link lookm.properties.contract.VariantContract} that a new eviction variant implements in a few lines;</li>
 *   <li>{@link lookm.properties.qt}: the one adapter to QuickTheories (examples, seeds, replay messages).</li>
 * </ul>
 */
package lookm.properties;
