#version 330 core
// handsynth raster shading: Lambert diffuse plus a GGX (Cook-Torrance) lobe for isotropic point lamps
// (radiant intensity I, radiance I / d^2), a uniform ambient term, linear -> sRGB output. Much cheaper
// on llvmpipe than pyrender's default shader, with the same uniform names.
struct PointLight { vec3 color; float intensity; float range; vec3 position; };
struct Material {
    vec4 base_color_factor;
    float metallic_factor;
    float roughness_factor;
#ifdef HAS_BASE_COLOR_TEX
    sampler2D base_color_texture;
#endif
};
uniform PointLight point_lights[MAX_POINT_LIGHTS];
uniform int n_point_lights;
uniform vec3 ambient_light;
uniform Material material;
uniform vec3 cam_pos;
in vec3 frag_position;
in vec3 frag_normal;
#ifdef TEXCOORD_0_LOC
in vec2 uv_0;
#endif
#ifdef COLOR_0_LOC
in vec4 color_multiplier;
#endif
out vec4 frag_color;
const float PI = 3.141592653589793;

vec3 srgb_to_linear(vec3 c) {
    return mix(c / 12.92, pow((c + 0.055) / 1.055, vec3(2.4)), step(0.04045, c));
}

vec3 linear_to_srgb(vec3 c) {
    c = clamp(c, 0.0, 1.0);
    return mix(c * 12.92, 1.055 * pow(c, vec3(1.0 / 2.4)) - 0.055, step(0.0031308, c));
}

void main()
{
    vec4 base = material.base_color_factor;
#ifdef HAS_BASE_COLOR_TEX
    base.rgb *= srgb_to_linear(texture(material.base_color_texture, uv_0).rgb);
#endif
#ifdef COLOR_0_LOC
    base *= color_multiplier;
#endif
    vec3 n = normalize(frag_normal);
    vec3 v = normalize(cam_pos - frag_position);
    if (dot(n, v) < 0.0) n = -n;  // thin or open surfaces seen from behind
    float rough = clamp(material.roughness_factor, 0.05, 1.0);
    float a2 = rough * rough * rough * rough;
    float metal = clamp(material.metallic_factor, 0.0, 1.0);
    vec3 f0 = mix(vec3(0.04), base.rgb, metal);
    vec3 diffuse = base.rgb * (1.0 - metal);
    float k = (rough + 1.0) * (rough + 1.0) / 8.0;
    float nv = max(dot(n, v), 1e-3);
    // Metals have no diffuse part; give them an ambient reflection so they are not black.
    vec3 color = (diffuse + 0.5 * metal * f0) * ambient_light;
    for (int i = 0; i < n_point_lights; i++) {
        vec3 d = point_lights[i].position - frag_position;
        float dist2 = dot(d, d);
        vec3 l = d * inversesqrt(dist2);
        float nl = max(dot(n, l), 0.0);
        vec3 h = normalize(l + v);
        float nh = max(dot(n, h), 0.0);
        float den = nh * nh * (a2 - 1.0) + 1.0;
        float D = a2 / (PI * den * den);
        float G = 1.0 / ((nl * (1.0 - k) + k) * (nv * (1.0 - k) + k));
        vec3 F = f0 + (1.0 - f0) * pow(1.0 - max(dot(h, v), 0.0), 5.0);
        vec3 radiance = point_lights[i].color * point_lights[i].intensity / dist2;
        color += (diffuse * (1.0 - F) / PI + D * G * F / 4.0) * radiance * nl;
    }
    frag_color = vec4(linear_to_srgb(color), base.a);
}
